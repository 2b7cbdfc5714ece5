// XEP-0160 offline messages on SQLite: the offline module's `offline_messages` table
// (src/offline/OfflineTable.ts), the quota checked and the row written in one transaction. The
// bytes a user holds come from `offline_usage`, which triggers keep (src/storage/usageTriggers.ts).
import type {
  OfflineAppend,
  OfflineMessage,
  OfflineQuota,
  OfflineRepository,
  StoredOfflineMessage,
} from "../repositories/OfflineRepository.js"
import { settle } from "../repositories/Outcome.js"
import type { SqlAccess, StorageShape } from "../Storage.js"

interface OfflineRow {
  readonly seq: number
  readonly username: string
  readonly stanza: string
  readonly extra: string | null
  readonly message_key: string | null
  readonly stored_at: number
}

const messageOf = (row: OfflineRow): StoredOfflineMessage => ({
  key: String(row.seq),
  username: row.username,
  stanza: row.stanza,
  extra: row.extra,
  messageKey: row.message_key,
  storedAt: Number(row.stored_at),
})

/** A storage key as the sequence number it stands for, or undefined when it is not one. */
export const seqOf = (key: string): number | undefined =>
  /^[0-9]{1,15}$/.test(key) ? Number(key) : undefined

const countOf = (sql: SqlAccess, username: string): number =>
  sql.get<{ readonly n: number }>("SELECT count(*) AS n FROM offline_messages WHERE username = ?", [
    username,
  ])?.n ?? 0

/**
 * Checks the quota and inserts the message; the caller runs it inside its transaction (an
 * append alone, or with the XEP-0198 row it replaces, see SqliteSmPending.moveToOffline).
 */
export const appendOfflineIn = (
  sql: SqlAccess,
  message: OfflineMessage,
  quota: OfflineQuota,
): OfflineAppend => {
  const count = countOf(sql, message.username)
  const bytes =
    sql.get<{ readonly bytes: number }>("SELECT bytes FROM offline_usage WHERE username = ?", [
      message.username,
    ])?.bytes ?? 0
  const maxBytes = quota.maxBytes ?? 0
  if (count >= quota.maxMessages)
    return { stored: false, reason: "quota", limit: "messages", count, bytes }
  if (maxBytes > 0 && bytes + Buffer.byteLength(message.stanza) > maxBytes)
    return { stored: false, reason: "quota", limit: "bytes", count, bytes }
  const row = sql.get<{ readonly seq: number }>(
    `INSERT INTO offline_messages (username, stanza, extra, message_key, stored_at)
     VALUES (?, ?, ?, ?, ?) RETURNING seq`,
    [message.username, message.stanza, message.extra, message.messageKey, message.storedAt],
  )
  return { stored: true, key: String(row?.seq) }
}

/** The offline repository over an open SQLite storage. Example: `sqliteOffline(storage)`. */
export const sqliteOffline = (storage: StorageShape): OfflineRepository => {
  const { sql } = storage
  const count = (username: string): number => countOf(sql, username)
  return {
    append: (message, quota) =>
      settle("offline.append", () =>
        storage.transaction(() => appendOfflineIn(sql, message, quota)),
      ),
    list: (username, page = {}) =>
      settle("offline.list", () => {
        const after = page.after === undefined ? 0 : seqOf(page.after)
        if (after === undefined) throw new Error(`${page.after} is not an offline storage key`)
        return sql
          .all<OfflineRow>(
            "SELECT * FROM offline_messages WHERE username = ? AND seq > ? ORDER BY seq LIMIT ?",
            [username, after, page.limit ?? -1],
          )
          .map(messageOf)
      }),
    has: (key) =>
      settle("offline.has", () => {
        const seq = seqOf(key)
        return (
          seq !== undefined &&
          sql.get("SELECT 1 AS found FROM offline_messages WHERE seq = ?", [seq]) !== undefined
        )
      }),
    count: (username) => settle("offline.count", () => count(username)),
    holds: (username, stanza) =>
      settle(
        "offline.holds",
        () =>
          sql.get(
            "SELECT 1 AS found FROM offline_messages WHERE username = ? AND stanza = ? LIMIT 1",
            [username, stanza],
          ) !== undefined,
      ),
    remove: (key) =>
      settle("offline.remove", () => {
        const seq = seqOf(key)
        return (
          seq !== undefined &&
          sql.run("DELETE FROM offline_messages WHERE seq = ?", [seq]).changes === 1
        )
      }),
  }
}
