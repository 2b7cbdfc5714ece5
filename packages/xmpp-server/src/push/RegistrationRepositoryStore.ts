// Durable XEP-0357 push registrations (project push spec: registrations outlive restarts) over
// the server's `pushRegistrations` repository, on whichever backend is configured: a storage
// failure (a `StorageError` outcome) becomes the rejection the plugin's `RegistrationStore`
// expects.
import type { RegistrationStore } from "@xmpp-amp/server-plugin"
import type { PushRegistrationRepository } from "../storage/repositories/PushRegistrationRepository.js"
import { rejectFailure } from "../storage/repositories/rejectFailure.js"

/** The plugin's registration store over `repository`. Example: `registrationStoreOver(api.repositories.pushRegistrations)`. */
export const registrationStoreOver = (
  repository: PushRegistrationRepository,
): RegistrationStore => ({
  load: () => rejectFailure(repository.load()),
  save: (registration) => rejectFailure(repository.save(registration)),
  remove: (registration) => rejectFailure(repository.remove(registration)),
})
