// XEP-0160 offline storage in the server's database: one row per message, in arrival order,
// with the XEP-0203 delay stamp added at store time (unless the server stamped it already,
// e.g. stream management stamping when it first queued the message) and optional extra data (the AMP plugin's
// pending rules). Per-user quotas bound it: a number of messages and a number of bytes. Every write is durable when `store` returns.
import type { TestingFaults } from "../config/ServerConfig.js"
import { faultText, injectFault } from "../faults/Faults.js"
import type { Logger } from "../log/Logger.js"
import type { OfflineStore } from "../routing/MessageStores.js"
import type { StorageShape } from "../storage/Storage.js"
import { usageTriggersSql } from "../storage/usageTriggers.js"
import { serialize, xml } from "../xml/Xml.js"
import { storableOffline } from "./OfflinePolicy.js"

/** XEP-0203 delayed delivery. */
export const NS_DELAY = "urn:xmpp:delay"

/** Schema of the offline module (tables prefixed `offline_`). */
export const offlineMigrations: ReadonlyArray<string> = [
  `CREATE TABLE offline_messages (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
     stanza TEXT NOT NULL,
     extra TEXT,
     message_key TEXT,
     stored_at INTEGER NOT NULL) STRICT`,
  "CREATE INDEX offline_messages_by_user ON offline_messages (username, seq)",
  // Bytes each user holds (UTF-8 of the stored stanzas), kept by triggers for the byte quota.
  usageTriggersSql("offline"),
]

/** One stored message as read back. */
export interface OfflineRow {
  readonly seq: number
  readonly username: string
  readonly stanza: string
  readonly extra: string | null
  readonly message_key: string | null
  readonly stored_at: number
}

/** What the table needs from the server. */
export interface OfflineTableOptions {
  readonly storage: StorageShape
  readonly domain: string
  readonly maxMessages: number
  /** Bytes (UTF-8 of the stored stanzas) one user may hold; 0: no byte limit. */
  readonly maxBytes: number
  readonly faults: TestingFaults
  readonly logger: Logger
  readonly now?: () => number
}

/** The offline store plus the reads the module's delivery needs. */
export interface OfflineTable extends OfflineStore {
  /** The user's messages in arrival order: all, or `limit` stored after sequence `after`. */
  list(username: string, after?: number, limit?: number): ReadonlyArray<OfflineRow>
  /** True while the message with this key is stored. */
  has(key: string): boolean
}

/** Opens the table (applying the migrations) and returns the store. */
export const openOfflineTable = (options: OfflineTableOptions): OfflineTable => {
  const { storage, domain, maxMessages, maxBytes, faults, logger } = options
  const now = options.now ?? Date.now
  storage.migrate("offline", offlineMigrations)
  const count = (username: string): number =>
    storage.sql.get<{ readonly n: number }>(
      "SELECT count(*) AS n FROM offline_messages WHERE username = ?",
      [username],
    )?.n ?? 0
  const bytesOf = (username: string): number =>
    storage.sql.get<{ readonly bytes: number }>(
      "SELECT bytes FROM offline_usage WHERE username = ?",
      [username],
    )?.bytes ?? 0
  /** Why `username` cannot take `bytes` more, if it cannot. */
  const full = (username: string, bytes: number): string | undefined => {
    if (count(username) >= maxMessages)
      return `the offline storage of ${username}@${domain} is full (${maxMessages} messages)`
    if (maxBytes > 0 && bytesOf(username) + bytes > maxBytes)
      return `the offline storage of ${username}@${domain} is full (${maxBytes} bytes)`
    return undefined
  }
  return {
    accepts: storableOffline,
    count,
    list: (username, after = 0, limit = -1) =>
      storage.sql.all<OfflineRow>(
        "SELECT * FROM offline_messages WHERE username = ? AND seq > ? ORDER BY seq LIMIT ?",
        [username, after, limit],
      ),
    has: (key) =>
      storage.sql.get("SELECT 1 AS found FROM offline_messages WHERE seq = ?", [Number(key)]) !==
      undefined,
    holds: (username, text) =>
      storage.sql.get(
        "SELECT 1 AS found FROM offline_messages WHERE username = ? AND stanza = ? LIMIT 1",
        [username, text],
      ) !== undefined,
    remove: (key) =>
      storage.sql.run("DELETE FROM offline_messages WHERE seq = ?", [Number(key)]).changes === 1,
    store: (username, stanza, storeOptions = {}) => {
      if (injectFault(faults, "offline_write", logger))
        return { ok: false, reason: "failed", text: faultText("offline_write") }
      const storedAt = now()
      const stamped = stanza
        .getChildren("delay", NS_DELAY)
        .some((existing) => existing.attrs.from === domain)
      const delay = stamped
        ? undefined
        : xml(
            "delay",
            { xmlns: NS_DELAY, from: domain, stamp: new Date(storedAt).toISOString() },
            "Offline Storage",
          )
      if (delay !== undefined) stanza.append(delay)
      const text = serialize(stanza)
      if (delay !== undefined) stanza.children = stanza.children.filter((child) => child !== delay)
      const bytes = Buffer.byteLength(text)
      try {
        return storage.transaction(() => {
          const reason = full(username, bytes)
          if (reason !== undefined) return { ok: false, reason: "quota", text: reason } as const
          const row = storage.sql.get<{ readonly seq: number }>(
            `INSERT INTO offline_messages (username, stanza, extra, message_key, stored_at)
             VALUES (?, ?, ?, ?, ?) RETURNING seq`,
            [username, text, storeOptions.extra ?? null, storeOptions.messageKey ?? null, storedAt],
          )
          return { ok: true, key: String(row?.seq) } as const
        })
      } catch (error) {
        logger.error("offline-store-failed", { username, error })
        return { ok: false, reason: "failed", text: "the offline storage write failed" }
      }
    },
  }
}
