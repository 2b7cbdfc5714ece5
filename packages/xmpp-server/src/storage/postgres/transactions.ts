// Transactions on the PostgreSQL pool: `inTransaction` runs work on one pooled connection
// between BEGIN and COMMIT (ROLLBACK on failure); `commitEach` commits a batch of writes with one
// outcome per write. PostgreSQL aborts a whole transaction on a failed statement, so a batch is
// tried as one transaction first (the common case, one commit) and only when that fails is it
// redone with a savepoint per write, so a write that fails alone fails alone.
import type { Pool, PoolClient } from "pg"
import { type Outcome, storageErrorOf } from "../repositories/Outcome.js"
import { StorageError } from "../Storage.js"
import { postgresReason } from "./postgresError.js"

/** Whether `error` came from the server (a SQLSTATE), so the connection is still usable. */
const fromServer = (error: unknown): boolean =>
  typeof error === "object" &&
  error !== null &&
  "code" in error &&
  /^[0-9A-Z]{5}$/.test(String(error.code))

/** Whether the connection survives `error`: a server error or our own refusal (a StorageError). */
const connectionUsable = (error: unknown): boolean =>
  fromServer(error) || error instanceof StorageError

/** Runs `work` with a pooled connection, handing it back (closed if it broke). */
export const withClient = async <A>(pool: Pool, work: (client: PoolClient) => Promise<A>) => {
  const client = await pool.connect()
  try {
    const result = await work(client)
    client.release()
    return result
  } catch (error) {
    client.release(connectionUsable(error) ? undefined : (error as Error))
    throw error
  }
}

/** Runs `work` in one transaction. Example: `await inTransaction(pool, (client) => client.query(...))`. */
export const inTransaction = <A>(pool: Pool, work: (client: PoolClient) => Promise<A>) =>
  withClient(pool, async (client) => {
    await client.query("BEGIN")
    try {
      const result = await work(client)
      await client.query("COMMIT")
      return result
    } catch (error) {
      if (connectionUsable(error)) await client.query("ROLLBACK")
      throw error
    }
  })

/**
 * Commits `writes` with one outcome each: all in one transaction (with `applyAll` when given,
 * e.g. one multi-row INSERT), else one savepoint per write. Never rejects.
 * Example: `await commitEach(pool, "roster.commit", changes, applyChange)`.
 */
export const commitEach = async <W>(
  pool: Pool,
  operation: string,
  writes: ReadonlyArray<W>,
  apply: (client: PoolClient, write: W) => Promise<void>,
  applyAll?: (client: PoolClient, writes: ReadonlyArray<W>) => Promise<void>,
): Promise<ReadonlyArray<Outcome<void>>> => {
  if (writes.length === 0) return []
  const together = await inTransaction(pool, async (client) => {
    if (applyAll !== undefined) await applyAll(client, writes)
    else for (const write of writes) await apply(client, write)
  }).then(
    () => undefined,
    (error: unknown) => error,
  )
  if (together === undefined) return writes.map(() => undefined)
  if (!fromServer(together)) {
    const failure = storageErrorOf(operation, together, postgresReason)
    return writes.map(() => failure)
  }
  try {
    return await inTransaction(pool, async (client) => {
      const outcomes: Array<Outcome<void>> = []
      for (const write of writes) {
        await client.query("SAVEPOINT write")
        try {
          await apply(client, write)
          await client.query("RELEASE SAVEPOINT write")
          outcomes.push(undefined)
        } catch (error) {
          if (!fromServer(error)) throw error
          await client.query("ROLLBACK TO SAVEPOINT write")
          outcomes.push(storageErrorOf(operation, error, postgresReason))
        }
      }
      return outcomes
    })
  } catch (error) {
    const failure = storageErrorOf(operation, error, postgresReason)
    return writes.map(() => failure)
  }
}
