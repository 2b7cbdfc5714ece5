// XEP-0160 offline messages on PostgreSQL: the `offline_messages` table. An append locks the
// user's `users` row (FOR NO KEY UPDATE) while it counts and inserts, so appends for one user
// are serialised across connections and nodes and never pass the quota together.
import type { Pool } from "pg"
import type {
  OfflineAppend,
  OfflineRepository,
  StoredOfflineMessage,
} from "../repositories/OfflineRepository.js"
import { settle } from "../repositories/Outcome.js"
import { StorageError } from "../Storage.js"
import { postgresReason } from "./postgresError.js"
import { inTransaction } from "./transactions.js"

interface OfflineRow {
  readonly seq: string
  readonly username: string
  readonly stanza: string
  readonly extra: string | null
  readonly message_key: string | null
  readonly stored_at: string
}

const messageOf = (row: OfflineRow): StoredOfflineMessage => ({
  key: String(row.seq),
  username: row.username,
  stanza: row.stanza,
  extra: row.extra,
  messageKey: row.message_key,
  storedAt: Number(row.stored_at),
})

/** A storage key as the BIGINT it stands for, or undefined when it is not one. */
const seqOf = (key: string): string | undefined => (/^[0-9]{1,18}$/.test(key) ? key : undefined)

/** The offline repository over a PostgreSQL pool. Example: `postgresOffline(pool)`. */
export const postgresOffline = (pool: Pool): OfflineRepository => {
  const count = async (username: string): Promise<number> =>
    Number(
      (
        await pool.query("SELECT count(*) AS n FROM offline_messages WHERE username = $1", [
          username,
        ])
      ).rows[0]?.n ?? 0,
    )
  return {
    append: (message, quota) =>
      settle(
        "offline.append",
        () =>
          inTransaction(pool, async (client): Promise<OfflineAppend> => {
            const user = await client.query(
              "SELECT 1 FROM users WHERE username = $1 FOR NO KEY UPDATE",
              [message.username],
            )
            if (user.rowCount !== 1)
              throw new StorageError(
                "offline.append",
                "constraint",
                `no account ${message.username}`,
              )
            const held = Number(
              (
                await client.query(
                  "SELECT count(*) AS n FROM offline_messages WHERE username = $1",
                  [message.username],
                )
              ).rows[0]?.n ?? 0,
            )
            if (held >= quota.maxMessages) return { stored: false, reason: "quota", count: held }
            const inserted = await client.query<{ readonly seq: string }>(
              `INSERT INTO offline_messages (username, stanza, extra, message_key, stored_at)
               VALUES ($1, $2, $3, $4, $5) RETURNING seq`,
              [
                message.username,
                message.stanza,
                message.extra,
                message.messageKey,
                message.storedAt,
              ],
            )
            return { stored: true, key: String(inserted.rows[0]?.seq) }
          }),
        postgresReason,
      ),
    list: (username) =>
      settle(
        "offline.list",
        async () =>
          (
            await pool.query<OfflineRow>(
              "SELECT * FROM offline_messages WHERE username = $1 ORDER BY seq",
              [username],
            )
          ).rows.map(messageOf),
        postgresReason,
      ),
    count: (username) => settle("offline.count", () => count(username), postgresReason),
    holds: (username, stanza) =>
      settle(
        "offline.holds",
        async () =>
          (
            await pool.query(
              "SELECT 1 FROM offline_messages WHERE username = $1 AND stanza = $2 LIMIT 1",
              [username, stanza],
            )
          ).rowCount === 1,
        postgresReason,
      ),
    remove: (key) =>
      settle(
        "offline.remove",
        async () => {
          const seq = seqOf(key)
          if (seq === undefined) return false
          return (
            (await pool.query("DELETE FROM offline_messages WHERE seq = $1", [seq])).rowCount === 1
          )
        },
        postgresReason,
      ),
  }
}
