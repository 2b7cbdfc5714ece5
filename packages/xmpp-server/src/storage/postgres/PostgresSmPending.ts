// XEP-0198 pending rows on PostgreSQL: the `sm_pending` table keyed by the caller's `seq`, each
// row owned by a node; a batch of adds and removals is one transaction, all or nothing; a row
// handed to offline storage is deleted in the transaction that stores it there. Processes
// sharing the database number rows in blocks of 2^32 taken from the `sm_pending_blocks`
// sequence, and adopt a dead node's rows with one UPDATE (row locks: each row to one adopter).
import type { Pool, PoolClient } from "pg"
import { settle } from "../repositories/Outcome.js"
import type {
  SeqBlock,
  SmPendingRepository,
  SmPendingRow,
} from "../repositories/SmPendingRepository.js"
import { appendOfflineIn, seqOf } from "./PostgresOffline.js"
import { postgresReason } from "./postgresError.js"
import { inTransaction } from "./transactions.js"

interface PendingRow {
  readonly seq: string
  readonly node: string
  readonly username: string
  readonly resource: string
  readonly stanza_xml: string
  readonly created_at: string
}

const rowOf = (row: PendingRow): SmPendingRow => ({
  seq: Number(row.seq),
  node: row.node,
  username: row.username,
  resource: row.resource,
  stanza: row.stanza_xml,
  createdAt: Number(row.created_at),
})

/** Writes one pending row; the caller runs it inside its transaction. */
const insertPending = (client: PoolClient, row: SmPendingRow): Promise<unknown> =>
  client.query(
    `INSERT INTO sm_pending (seq, node, username, resource, stanza_xml, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
    [row.seq, row.node, row.username, row.resource, row.stanza, row.createdAt],
  )

/** The size of one block of seq values (src/storage/postgres/postgresMigrations.ts). */
const BLOCK = 2 ** 32

/**
 * Takes blocks until one holds no row yet (rows imported from a dump may sit in the first ones).
 */
const reserveBlock = async (pool: Pool): Promise<SeqBlock> => {
  for (;;) {
    const block = Number(
      (await pool.query<{ readonly b: string }>("SELECT nextval('sm_pending_blocks') AS b")).rows[0]
        ?.b,
    )
    const first = block * BLOCK
    const last = first + BLOCK - 1
    const used = await pool.query("SELECT 1 FROM sm_pending WHERE seq BETWEEN $1 AND $2 LIMIT 1", [
      first,
      last,
    ])
    if (used.rowCount === 0) return { first, last }
  }
}

/** The XEP-0198 pending repository over a PostgreSQL pool. Example: `postgresSmPending(pool)`. */
export const postgresSmPending = (pool: Pool): SmPendingRepository => ({
  lastSeq: () =>
    settle(
      "smPending.lastSeq",
      async () =>
        Number((await pool.query("SELECT MAX(seq) AS last FROM sm_pending")).rows[0]?.last ?? 0),
      postgresReason,
    ),
  reserveSeqs: () => settle("smPending.reserveSeqs", () => reserveBlock(pool), postgresReason),
  all: () =>
    settle(
      "smPending.all",
      async () =>
        (await pool.query<PendingRow>("SELECT * FROM sm_pending ORDER BY seq")).rows.map(rowOf),
      postgresReason,
    ),
  ofNode: (node) =>
    settle(
      "smPending.ofNode",
      async () =>
        (
          await pool.query<PendingRow>("SELECT * FROM sm_pending WHERE node = $1 ORDER BY seq", [
            node,
          ])
        ).rows.map(rowOf),
      postgresReason,
    ),
  adopt: (from, to) =>
    settle(
      "smPending.adopt",
      async () =>
        (
          await pool.query<PendingRow>(
            "UPDATE sm_pending SET node = $2 WHERE node = $1 RETURNING *",
            [from, to],
          )
        ).rows
          .map(rowOf)
          .sort((a, b) => a.seq - b.seq),
      postgresReason,
    ),
  apply: (changes) =>
    settle(
      "smPending.apply",
      () =>
        inTransaction(pool, async (client) => {
          for (const change of changes) {
            if (change.kind === "remove") {
              await client.query("DELETE FROM sm_pending WHERE seq = $1", [change.seq])
              continue
            }
            await insertPending(client, change.row)
          }
        }),
      postgresReason,
    ),
  takeFromOffline: (key, row) =>
    settle(
      "smPending.takeFromOffline",
      () =>
        inTransaction(pool, async (client) => {
          const seq = seqOf(key)
          if (seq === undefined) throw new Error(`${key} is not an offline storage key`)
          const deleted = await client.query("DELETE FROM offline_messages WHERE seq = $1", [seq])
          if (deleted.rowCount !== 1) return false
          await insertPending(client, row)
          return true
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
