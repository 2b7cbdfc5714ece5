// XEP-0160 offline messages on PostgreSQL: the `offline_messages` table. An append locks the
// user's `users` row (FOR NO KEY UPDATE) while it counts the user's messages and their bytes
// and inserts, so appends for one user are serialised across connections and nodes and never
// pass either quota together. The bytes are summed under that lock rather than kept in a
// usage table by triggers (as SQLite's `offline_usage`): the count already reads the user's
// rows, which the message quota bounds (1000 by default), so the sum costs no extra read of
// the index, and there is no second copy of the figure to keep right through imports.
import type { Pool, PoolClient } from "pg"
import type {
  OfflineAppend,
  OfflineMessage,
  OfflineQuota,
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
export const seqOf = (key: string): string | undefined =>
  /^[0-9]{1,18}$/.test(key) ? key : undefined

/**
 * Locks the user's row, checks both quotas and inserts the message; the caller runs it inside
 * its transaction (an append alone, or with the XEP-0198 row it replaces, see
 * PostgresSmPending.moveToOffline).
 */
export const appendOfflineIn = async (
  client: PoolClient,
  message: OfflineMessage,
  quota: OfflineQuota,
): Promise<OfflineAppend> => {
  const user = await client.query("SELECT 1 FROM users WHERE username = $1 FOR NO KEY UPDATE", [
    message.username,
  ])
  if (user.rowCount !== 1)
    throw new StorageError("offline.append", "constraint", `no account ${message.username}`)
  const held = (
    await client.query<{ readonly n: string; readonly bytes: string }>(
      `SELECT count(*) AS n, COALESCE(sum(octet_length(stanza)), 0) AS bytes
       FROM offline_messages WHERE username = $1`,
      [message.username],
    )
  ).rows[0]
  const count = Number(held?.n ?? 0)
  const bytes = Number(held?.bytes ?? 0)
  const maxBytes = quota.maxBytes ?? 0
  if (count >= quota.maxMessages)
    return { stored: false, reason: "quota", limit: "messages", count, bytes }
  if (maxBytes > 0 && bytes + Buffer.byteLength(message.stanza) > maxBytes)
    return { stored: false, reason: "quota", limit: "bytes", count, bytes }
  const inserted = await client.query<{ readonly seq: string }>(
    `INSERT INTO offline_messages (username, stanza, extra, message_key, stored_at)
     VALUES ($1, $2, $3, $4, $5) RETURNING seq`,
    [message.username, message.stanza, message.extra, message.messageKey, message.storedAt],
  )
  return { stored: true, key: String(inserted.rows[0]?.seq) }
}

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
        () => inTransaction(pool, (client) => appendOfflineIn(client, message, quota)),
        postgresReason,
      ),
    list: (username, page = {}) =>
      settle(
        "offline.list",
        async () => {
          const after = page.after === undefined ? "0" : seqOf(page.after)
          if (after === undefined) throw new Error(`${page.after} is not an offline storage key`)
          return (
            await pool.query<OfflineRow>(
              `SELECT * FROM offline_messages WHERE username = $1 AND seq > $2 ORDER BY seq
               LIMIT $3`,
              [username, after, page.limit ?? null],
            )
          ).rows.map(messageOf)
        },
        postgresReason,
      ),
    has: (key) =>
      settle(
        "offline.has",
        async () => {
          const seq = seqOf(key)
          if (seq === undefined) return false
          return (
            (await pool.query("SELECT 1 FROM offline_messages WHERE seq = $1", [seq])).rowCount ===
            1
          )
        },
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
