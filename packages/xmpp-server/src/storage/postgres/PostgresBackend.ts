// The PostgreSQL backend (spec/cluster.md "Storage", `[storage] backend = "postgres"`): a pool
// of node-postgres connections to `url`, checked at open, the schema migrated under the
// database lock (PostgresMigrate.ts), then one repository per concern on the pool.
import pg from "pg"
import { failed, type Outcome, settle } from "../repositories/Outcome.js"
import type { StorageBackend } from "../repositories/StorageBackend.js"
import { StorageError } from "../Storage.js"
import { postgresAccounts } from "./PostgresAccounts.js"
import { postgresAmpPending } from "./PostgresAmpPending.js"
import { postgresArchive } from "./PostgresArchive.js"
import { migratePostgres } from "./PostgresMigrate.js"
import { postgresOffline } from "./PostgresOffline.js"
import { postgresPushRegistrations } from "./PostgresPushRegistrations.js"
import { postgresRoster } from "./PostgresRoster.js"
import { postgresSmPending } from "./PostgresSmPending.js"
import { postgresReason } from "./postgresError.js"

/** Where the database is and how many connections to keep. */
export interface PostgresOptions {
  /** e.g. "postgres://xmpp@127.0.0.1:5432/xmpp" (a socket directory as `?host=/run/postgresql`). */
  readonly url: string
  /** Connections in the pool (default 10). */
  readonly poolSize?: number
  /** Told of a pooled idle connection that failed (the next query reports it as well). */
  readonly onConnectionError?: (error: Error) => void
}

/** `url` without its password, for messages. Example: `postgres://xmpp:***@db/xmpp`. */
export const redactedUrl = (url: string): string =>
  url.replace(/\/\/([^:/@]+):[^@/]*@/, "//$1:***@")

/**
 * Connects, migrates and answers the backend, or why it could not (naming the URL).
 * Example: `const backend = await openPostgresBackend({ url, poolSize: 10 })`.
 */
export const openPostgresBackend = async (
  options: PostgresOptions,
): Promise<Outcome<StorageBackend>> => {
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 })
  // An idle pooled connection that fails is reported by the pool; one that fails while checked
  // out (between the statements of a transaction) by its client: both are told, neither is
  // left as an unhandled 'error' event (the query in progress reports the failure as well).
  pool.on("error", (error) => options.onConnectionError?.(error))
  pool.on("connect", (client) => client.on("error", (error) => options.onConnectionError?.(error)))
  const reached = await settle("open", () => pool.query("SELECT 1"), postgresReason)
  const migrated = failed(reached) ? reached : await migratePostgres(pool)
  if (failed(migrated)) {
    await pool.end().catch(() => undefined)
    return new StorageError(
      migrated.operation,
      migrated.reason,
      `${redactedUrl(options.url)}: ${migrated.message}`,
    )
  }
  return {
    kind: "postgres",
    accounts: postgresAccounts(pool),
    roster: postgresRoster(pool),
    offline: postgresOffline(pool),
    archive: postgresArchive(pool),
    smPending: postgresSmPending(pool),
    ampPending: postgresAmpPending(pool),
    pushRegistrations: postgresPushRegistrations(pool),
    close: () => settle("close", () => pool.end(), postgresReason),
  }
}
