// Durable XEP-0357 push registrations in either backend (src/push/RegistrationSql.ts): one per
// (account JID, app server, node), deleted with the account.
import type { StoredRegistration } from "@xmpp-amp/server-plugin"
import type { Outcome } from "./Outcome.js"

/** The push registrations of every local account. */
export interface PushRegistrationRepository {
  /** Every registration (loaded at start). Example: `await push.load()`. */
  load(): Promise<Outcome<ReadonlyArray<StoredRegistration>>>
  /** Inserts or replaces the registration of its (user, service, node). Example: `await push.save(registration)`. */
  save(registration: StoredRegistration): Promise<Outcome<void>>
  /** Deletes the registration of its (user, service, node). Example: `await push.remove(registration)`. */
  remove(registration: StoredRegistration): Promise<Outcome<void>>
}
