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

/**
 * A user's offline quota: at most `maxMessages` messages and, when `maxBytes` is above 0, at
 * most that many bytes (UTF-8 of the stored stanzas) together.
 */
export interface OfflineQuota {
  readonly maxMessages: number
  /** 0 or absent: no byte limit. */
  readonly maxBytes?: number
}

/**
 * What `append` did: stored under `key`, or refused because the user's storage is full
 * (`limit` says which bound it would pass; `count` and `bytes` are what the user holds).
 */
export type OfflineAppend =
  | { readonly stored: true; readonly key: string }
  | {
      readonly stored: false
      readonly reason: "quota"
      readonly limit: "messages" | "bytes"
      readonly count: number
      readonly bytes: number
    }

/** A page of a user's messages: at most `limit` stored after the message `after` (a key). */
export interface OfflinePage {
  readonly after?: string
  readonly limit?: number
}

/** The offline messages of every user. */
export interface OfflineRepository {
  /**
   * Stores the message unless the user holds `maxMessages` already or the message would take
   * the user past `maxBytes` (checked and written in one transaction, so concurrent appends,
   * also from other nodes, never pass the quota).
   * Example: `await offline.append(message, { maxMessages: 1000, maxBytes: 16 * 1024 * 1024 })`.
   */
  append(message: OfflineMessage, quota: OfflineQuota): Promise<Outcome<OfflineAppend>>
  /**
   * The user's messages in arrival order: all, or one page (a backlog is read a page at a
   * time). Example: `await offline.list("juliet", { after: lastKey, limit: 20 })`.
   */
  list(username: string, page?: OfflinePage): Promise<Outcome<ReadonlyArray<StoredOfflineMessage>>>
  /** True while the message with this key is stored. Example: `await offline.has(key)`. */
  has(key: string): Promise<Outcome<boolean>>
  /** How many messages wait for the user. Example: `await offline.count("juliet")`. */
  count(username: string): Promise<Outcome<number>>
  /** True when a message stored for the user is exactly `stanza` (crash recovery). Example: `await offline.holds("juliet", text)`. */
  holds(username: string, stanza: string): Promise<Outcome<boolean>>
  /** Deletes one message by key; false when it was gone. Example: `await offline.remove(key)`. */
  remove(key: string): Promise<Outcome<boolean>>
}
