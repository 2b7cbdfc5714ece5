// XEP-0160 offline messages on SQLite: the offline module's `offline_messages` table
// (src/offline/OfflineTable.ts), the quota checked and the row written in one transaction.
import type { OfflineRepository, StoredOfflineMessage } from "../repositories/OfflineRepository.js"
import { settle } from "../repositories/Outcome.js"
import type { StorageShape } from "../Storage.js"

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

/** The offline repository over an open SQLite storage. Example: `sqliteOffline(storage)`. */
export const sqliteOffline = (storage: StorageShape): OfflineRepository => {
  const { sql } = storage
  const count = (username: string): number =>
    sql.get<{ readonly n: number }>(
      "SELECT count(*) AS n FROM offline_messages WHERE username = ?",
      [username],
    )?.n ?? 0
  return {
    append: (message, quota) =>
      settle("offline.append", () =>
        storage.transaction(() => {
          const held = count(message.username)
          if (held >= quota.maxMessages)
            return { stored: false, reason: "quota", count: held } as const
          const row = sql.get<{ readonly seq: number }>(
            `INSERT INTO offline_messages (username, stanza, extra, message_key, stored_at)
             VALUES (?, ?, ?, ?, ?) RETURNING seq`,
            [message.username, message.stanza, message.extra, message.messageKey, message.storedAt],
          )
          return { stored: true, key: String(row?.seq) } as const
        }),
      ),
    list: (username) =>
      settle("offline.list", () =>
        sql
          .all<OfflineRow>("SELECT * FROM offline_messages WHERE username = ? ORDER BY seq", [
            username,
          ])
          .map(messageOf),
      ),
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
      settle(
        "offline.remove",
        () => sql.run("DELETE FROM offline_messages WHERE seq = ?", [Number(key)]).changes === 1,
      ),
  }
}
