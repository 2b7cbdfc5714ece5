// The AMP plugin's pending `expire-at` rules (spec/amp.md §4, XEP-0079 §3.5) in either backend:
// exactly the plugin's `PendingTable` (src/amp/PendingSql.ts), with failures as values.
import type { PendingRow } from "@xmpp-amp/server-plugin"
import type { Outcome } from "./Outcome.js"

/** The pending AMP rules, found by id, by recipient, and by due time. */
export interface AmpPendingRepository {
  /** Inserts or replaces the row with this id. Example: `await amp.put({ id, recipient, expiresAt, data })`. */
  put(row: PendingRow): Promise<Outcome<void>>
  /** The row with this id, or undefined. Example: `await amp.get(id)`. */
  get(id: string): Promise<Outcome<PendingRow | undefined>>
  /** Deletes the row (no error when absent). Example: `await amp.remove(id)`. */
  remove(id: string): Promise<Outcome<void>>
  /** Rows with `expiresAt <= now`, earliest first, at most `limit`. Example: `await amp.due(Date.now(), 100)`. */
  due(now: number, limit: number): Promise<Outcome<ReadonlyArray<PendingRow>>>
  /** Every row for one recipient. Example: `await amp.forRecipient("juliet@example.com")`. */
  forRecipient(recipient: string): Promise<Outcome<ReadonlyArray<PendingRow>>>
}
