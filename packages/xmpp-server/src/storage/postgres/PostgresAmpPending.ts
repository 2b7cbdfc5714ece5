// The AMP plugin's pending `expire-at` rules on PostgreSQL: the `amp_pending` table, due rows
// found through the index on `expires_at`. Several processes share the table (spec/cluster.md
// guarantee 2: a due rule fires exactly once in the cluster), so a process takes a row before it
// fires it: `due` and `get` claim rows for this process for a lease (claimed_by / claimed_until,
// in the database's clock), `due` with FOR UPDATE SKIP LOCKED so two sweeps never get the same
// row; `put` (a row's next rule) and `remove` end the claim. A process that dies holding a claim
// holds it until the lease is over; another process then fires the row.
import { randomUUID } from "node:crypto"
import type { PendingRow } from "@xmpp-amp/server-plugin"
import type { Pool } from "pg"
import type { AmpPendingRepository } from "../repositories/AmpPendingRepository.js"
import { settle } from "../repositories/Outcome.js"
import { StorageError } from "../Storage.js"
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

/** How long a claim holds by default: a dead claimant's rows fire this much later. */
export const AMP_CLAIM_LEASE_MS = 5000

/** How often `get` looks again while another process's claim holds the row. */
const CLAIM_RETRY_MS = 50

/** The database's clock in epoch milliseconds (one clock for every node's leases). */
const CLOCK = "(extract(epoch from clock_timestamp()) * 1000)::bigint"

/** Who claims, and for how long. */
export interface AmpClaimOptions {
  /** This process's name in `claimed_by` (default: a random UUID per repository). */
  readonly claimant?: string
  /** The lease in milliseconds (default AMP_CLAIM_LEASE_MS). */
  readonly leaseMilliseconds?: number
}

const CLAIM_DUE = `
  WITH due AS (
    SELECT id FROM amp_pending
    WHERE expires_at <= $1 AND (claimed_until IS NULL OR claimed_until < ${CLOCK})
    ORDER BY expires_at LIMIT $2
    FOR UPDATE SKIP LOCKED)
  UPDATE amp_pending AS pending SET claimed_by = $3, claimed_until = ${CLOCK} + $4
  FROM due WHERE pending.id = due.id
  RETURNING pending.*`

/** Whether any row is due and free: the idle sweep stays one read, as before claims. */
const ANY_DUE = `
  SELECT 1 FROM amp_pending
  WHERE expires_at <= $1 AND (claimed_until IS NULL OR claimed_until < ${CLOCK}) LIMIT 1`

const CLAIM_ONE = `
  UPDATE amp_pending SET claimed_by = $2, claimed_until = ${CLOCK} + $3
  WHERE id = $1 AND (claimed_until IS NULL OR claimed_until < ${CLOCK} OR claimed_by = $2)
  RETURNING *`

const sleep = (milliseconds: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, milliseconds))

/**
 * The AMP pending repository over a PostgreSQL pool, claiming rows as `claimant`.
 * Example: `postgresAmpPending(pool)`.
 */
export const postgresAmpPending = (
  pool: Pool,
  options: AmpClaimOptions = {},
): AmpPendingRepository => {
  const claimant = options.claimant ?? randomUUID()
  const lease = options.leaseMilliseconds ?? AMP_CLAIM_LEASE_MS
  /** Claims row `id`, waiting while another live claim holds it (at most two leases). */
  const claim = async (id: string): Promise<PendingRow | undefined> => {
    const giveUp = Date.now() + 2 * lease
    for (;;) {
      const claimed = (await pool.query<SqlRow>(CLAIM_ONE, [id, claimant, lease])).rows[0]
      if (claimed !== undefined) return rowOf(claimed)
      const exists = await pool.query("SELECT 1 FROM amp_pending WHERE id = $1", [id])
      if (exists.rowCount === 0) return undefined
      if (Date.now() > giveUp)
        throw new StorageError("ampPending.get", "io", `row ${id} stays claimed by another node`)
      await sleep(CLAIM_RETRY_MS)
    }
  }
  return {
    put: (row) =>
      settle(
        "ampPending.put",
        async () => {
          await pool.query(
            `INSERT INTO amp_pending (id, recipient, expires_at, data) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET recipient = excluded.recipient,
               expires_at = excluded.expires_at, data = excluded.data,
               claimed_by = NULL, claimed_until = NULL`,
            [row.id, row.recipient, row.expiresAt, row.data],
          )
        },
        postgresReason,
      ),
    get: (id) => settle("ampPending.get", () => claim(id), postgresReason),
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
        async () => {
          if ((await pool.query(ANY_DUE, [now])).rowCount === 0) return []
          return (await pool.query<SqlRow>(CLAIM_DUE, [now, limit, claimant, lease])).rows
            .map(rowOf)
            .sort((a, b) => a.expiresAt - b.expiresAt)
        },
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
  }
}
