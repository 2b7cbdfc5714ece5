// How many schema migration steps the configured database records (`schema_migrations`, the
// same table on both backends), for `xmpp-amp-server migrate` to say what it did. A database
// that does not exist yet, or cannot be reached, counts as 0: opening it reports the failure.
import { existsSync } from "node:fs"
import Database from "better-sqlite3"
import pg from "pg"
import type { ServerConfig } from "../../config/ServerConfig.js"
import { databaseFile } from "../SqliteStorage.js"

const countSqlite = (file: string): number => {
  if (!existsSync(file)) return 0
  const database = new Database(file, { readonly: true, fileMustExist: true })
  try {
    const row = database.prepare("SELECT count(*) AS n FROM schema_migrations").get() as
      | { n: number }
      | undefined
    return row?.n ?? 0
  } catch {
    return 0
  } finally {
    database.close()
  }
}

const countPostgres = async (url: string): Promise<number> => {
  const client = new pg.Client({ connectionString: url })
  client.on("error", () => undefined)
  try {
    await client.connect()
    const result = await client.query<{ n: string }>("SELECT count(*) AS n FROM schema_migrations")
    return Number(result.rows[0]?.n ?? 0)
  } catch {
    return 0
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** Steps recorded in the configured database. Example: `await schemaSteps(config)`. */
export const schemaSteps = (config: ServerConfig): Promise<number> =>
  config.storage.backend === "postgres" && config.storage.url !== undefined
    ? countPostgres(config.storage.url)
    : Promise.resolve(countSqlite(databaseFile(config.server.data_dir)))
