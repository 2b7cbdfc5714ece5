// The AMP plugin's pending `expire-at` rules on PostgreSQL: the `amp_pending` table, due rows
// found through the index on `expires_at`.
import type { PendingRow } from "@xmpp-amp/server-plugin"
import type { Pool } from "pg"
import type { AmpPendingRepository } from "../repositories/AmpPendingRepository.js"
import { settle } from "../repositories/Outcome.js"
import { postgresReason } from "./postgresError.js"

interface SqlRow {
  readonly id: string
  readonly recipient: string
  readonly expires_at: string
  readonly data: string
}

const rowOf = (row: SqlRow): PendingRow => ({
  id: row.id,
  recipient: row.recipient,
  expiresAt: Number(row.expires_at),
  data: row.data,
})

/** The AMP pending repository over a PostgreSQL pool. Example: `postgresAmpPending(pool)`. */
export const postgresAmpPending = (pool: Pool): AmpPendingRepository => ({
  put: (row) =>
    settle(
      "ampPending.put",
      async () => {
        await pool.query(
          `INSERT INTO amp_pending (id, recipient, expires_at, data) VALUES ($1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET recipient = excluded.recipient,
             expires_at = excluded.expires_at, data = excluded.data`,
          [row.id, row.recipient, row.expiresAt, row.data],
        )
      },
      postgresReason,
    ),
  get: (id) =>
    settle(
      "ampPending.get",
      async () => {
        const row = (await pool.query<SqlRow>("SELECT * FROM amp_pending WHERE id = $1", [id]))
          .rows[0]
        return row === undefined ? undefined : rowOf(row)
      },
      postgresReason,
    ),
  remove: (id) =>
    settle(
      "ampPending.remove",
      async () => {
        await pool.query("DELETE FROM amp_pending WHERE id = $1", [id])
      },
      postgresReason,
    ),
  due: (now, limit) =>
    settle(
      "ampPending.due",
      async () =>
        (
          await pool.query<SqlRow>(
            "SELECT * FROM amp_pending WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2",
            [now, limit],
          )
        ).rows.map(rowOf),
      postgresReason,
    ),
  forRecipient: (recipient) =>
    settle(
      "ampPending.forRecipient",
      async () =>
        (
          await pool.query<SqlRow>("SELECT * FROM amp_pending WHERE recipient = $1", [recipient])
        ).rows.map(rowOf),
      postgresReason,
    ),
})
