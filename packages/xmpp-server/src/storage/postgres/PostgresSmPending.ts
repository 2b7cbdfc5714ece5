// XEP-0198 pending rows on PostgreSQL: the `sm_pending` table keyed by the caller's `seq`; a
// batch of adds and removals is one transaction, all or nothing; a row handed to offline
// storage is deleted in the transaction that stores it there.
import type { Pool } from "pg"
import { settle } from "../repositories/Outcome.js"
import type { SmPendingRepository, SmPendingRow } from "../repositories/SmPendingRepository.js"
import { appendOfflineIn } from "./PostgresOffline.js"
import { postgresReason } from "./postgresError.js"
import { inTransaction } from "./transactions.js"

interface PendingRow {
  readonly seq: string
  readonly username: string
  readonly resource: string
  readonly stanza_xml: string
  readonly created_at: string
}

const rowOf = (row: PendingRow): SmPendingRow => ({
  seq: Number(row.seq),
  username: row.username,
  resource: row.resource,
  stanza: row.stanza_xml,
  createdAt: Number(row.created_at),
})

/** The XEP-0198 pending repository over a PostgreSQL pool. Example: `postgresSmPending(pool)`. */
export const postgresSmPending = (pool: Pool): SmPendingRepository => ({
  lastSeq: () =>
    settle(
      "smPending.lastSeq",
      async () =>
        Number((await pool.query("SELECT MAX(seq) AS last FROM sm_pending")).rows[0]?.last ?? 0),
      postgresReason,
    ),
  all: () =>
    settle(
      "smPending.all",
      async () =>
        (await pool.query<PendingRow>("SELECT * FROM sm_pending ORDER BY seq")).rows.map(rowOf),
      postgresReason,
    ),
  apply: (changes) =>
    settle(
      "smPending.apply",
      () =>
        inTransaction(pool, async (client) => {
          for (const change of changes) {
            if (change.kind === "remove")
              await client.query("DELETE FROM sm_pending WHERE seq = $1", [change.seq])
            else
              await client.query(
                `INSERT INTO sm_pending (seq, username, resource, stanza_xml, created_at)
                 VALUES ($1, $2, $3, $4, $5)`,
                [
                  change.row.seq,
                  change.row.username,
                  change.row.resource,
                  change.row.stanza,
                  change.row.createdAt,
                ],
              )
          }
        }),
      postgresReason,
    ),
  moveToOffline: (seq, message, quota) =>
    settle(
      "smPending.moveToOffline",
      () =>
        inTransaction(pool, async (client) => {
          await client.query("DELETE FROM sm_pending WHERE seq = $1", [seq])
          return appendOfflineIn(client, message, quota)
        }),
      postgresReason,
    ),
})
