// Creates or upgrades the PostgreSQL schema under a database lock (spec/cluster.md "Storage":
// nodes that start together do not race): one connection takes a session-level
// `pg_advisory_lock`, applies what `schema_migrations` does not record yet (each step in its
// own transaction, recorded with it), and lets go. A second node waits for the lock, then finds
// everything applied. A database migrated by a newer server is refused, not guessed at.
import type { Pool, PoolClient } from "pg"
import { type Outcome, settle } from "../repositories/Outcome.js"
import { StorageError } from "../Storage.js"
import { postgresReason } from "./postgresError.js"
import { postgresMigrations } from "./postgresMigrations.js"
import { withClient } from "./transactions.js"

/** The advisory lock key every xmpp-amp node migrates under ("xmpp" in ASCII). */
export const migrationLockKey = 0x786d7070

/** Applies the steps of `module` that `schema_migrations` does not record, each in a transaction. */
const applyModule = async (
  client: PoolClient,
  module: string,
  steps: ReadonlyArray<string>,
): Promise<void> => {
  const applied = await client.query<{ readonly n: string }>(
    "SELECT count(*) AS n FROM schema_migrations WHERE module = $1",
    [module],
  )
  const done = Number(applied.rows[0]?.n ?? 0)
  if (done > steps.length)
    throw new StorageError(
      "migrate",
      "corrupt",
      `the database has ${done} migrations for "${module}" but this server knows only ${steps.length}; it was written by a newer version`,
    )
  for (const [index, step] of steps.entries()) {
    if (index < done) continue
    await client.query("BEGIN")
    try {
      await client.query(step)
      await client.query(
        "INSERT INTO schema_migrations (module, step, applied_at) VALUES ($1, $2, $3)",
        [module, index, Date.now()],
      )
      await client.query("COMMIT")
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined)
      throw error
    }
  }
}

/**
 * Applies every migration not applied yet, holding the lock meanwhile.
 * Example: `const done = await migratePostgres(pool); if (failed(done)) exit(done.message)`.
 */
export const migratePostgres = (pool: Pool): Promise<Outcome<void>> =>
  settle(
    "migrate",
    () =>
      // A connection that fails is closed, and with it the lock it held.
      withClient(pool, async (client) => {
        await client.query("SELECT pg_advisory_lock($1)", [migrationLockKey])
        try {
          await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
            module TEXT NOT NULL, step INTEGER NOT NULL, applied_at BIGINT NOT NULL,
            PRIMARY KEY (module, step))`)
          for (const { module, steps } of postgresMigrations)
            await applyModule(client, module, steps)
        } finally {
          await client.query("SELECT pg_advisory_unlock($1)", [migrationLockKey])
        }
      }),
    postgresReason,
  )
