// The AMP plugin's durable table of pending `expire-at` rules (spec/amp.md §4, XEP-0079 §3.5)
// over the server's `ampPending` repository, on whichever backend is configured: a storage
// failure (a `StorageError` outcome) becomes the rejection the plugin's `PendingTable` expects.
import type { PendingTable } from "@xmpp-amp/server-plugin"
import type { AmpPendingRepository } from "../storage/repositories/AmpPendingRepository.js"
import { rejectFailure } from "../storage/repositories/rejectFailure.js"

/** The plugin's pending table over `repository`. Example: `pendingTableOver(api.repositories.ampPending)`. */
export const pendingTableOver = (repository: AmpPendingRepository): PendingTable => ({
  put: (row) => rejectFailure(repository.put(row)),
  get: (id) => rejectFailure(repository.get(id)),
  remove: (id) => rejectFailure(repository.remove(id)),
  due: (now, limit) => rejectFailure(repository.due(now, limit)),
  forRecipient: (recipient) => rejectFailure(repository.forRecipient(recipient)),
})
