// XEP-0160 offline messages in either backend, one row per message in arrival order, with the
// text the AMP plugin keeps beside a message (its pending rules, `extra`) and the routing key.
// Everything src/offline/OfflineTable.ts asks of SQL today, as one method each.
import type { Outcome } from "./Outcome.js"

/** A message to keep for a user, already serialised with its XEP-0203 delay stamp. */
export interface OfflineMessage {
  readonly username: string
  readonly stanza: string
  /** Opaque text for `offlineDelivery` hooks (the AMP plugin's pending rules), or null. */
  readonly extra: string | null
  readonly messageKey: string | null
  readonly storedAt: number
}

/** A stored message as read back; `key` is its storage key (arrival order). */
export interface StoredOfflineMessage extends OfflineMessage {
  readonly key: string
}

/** What `append` did: stored under `key`, or refused because the user's storage is full. */
export type OfflineAppend =
  | { readonly stored: true; readonly key: string }
  | { readonly stored: false; readonly reason: "quota"; readonly count: number }

/** The offline messages of every user. */
export interface OfflineRepository {
  /**
   * Stores the message unless the user holds `maxMessages` already (checked and written in one
   * transaction, so concurrent appends, also from other nodes, never pass the quota).
   * Example: `await offline.append(message, { maxMessages: 1000 })`.
   */
  append(
    message: OfflineMessage,
    quota: { readonly maxMessages: number },
  ): Promise<Outcome<OfflineAppend>>
  /** The user's messages in arrival order. Example: `await offline.list("juliet")`. */
  list(username: string): Promise<Outcome<ReadonlyArray<StoredOfflineMessage>>>
  /** How many messages wait for the user. Example: `await offline.count("juliet")`. */
  count(username: string): Promise<Outcome<number>>
  /** True when a message stored for the user is exactly `stanza` (crash recovery). Example: `await offline.holds("juliet", text)`. */
  holds(username: string, stanza: string): Promise<Outcome<boolean>>
  /** Deletes one message by key; false when it was gone. Example: `await offline.remove(key)`. */
  remove(key: string): Promise<Outcome<boolean>>
}
