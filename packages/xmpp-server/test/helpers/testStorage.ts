// Which storage backend a test server runs on (issue 22 item 3: the same behaviour tests on
// both backends, a matrix and not copies). The "sqlite" project of vitest.config.ts runs every
// test on the embedded default; the "postgres" project runs the storage-touching test files
// again with XMPP_AMP_TEST_BACKEND=postgres, and then every test server gets a fresh database
// of its own in the run's private PostgreSQL (test/helpers/postgresGlobalSetup.ts).

import Database from "better-sqlite3"
import pg from "pg"
import { inject } from "vitest"
import { databaseFile } from "../../src/storage/SqliteStorage.js"

/** The backend of this test run: "sqlite" unless the postgres project runs it. */
export const testBackend = (): "sqlite" | "postgres" =>
  process.env.XMPP_AMP_TEST_BACKEND === "postgres" ? "postgres" : "sqlite"

let databases = 0

/** A new empty database in the run's private PostgreSQL; answers its URL. */
export const freshPostgresDatabase = async (): Promise<string> => {
  const adminUrl = inject("postgresAdminUrl")
  if (!adminUrl) throw new Error("XMPP_AMP_TEST_BACKEND=postgres outside the postgres project")
  databases += 1
  const name = `t_${process.pid}_${databases}_${Date.now() % 100_000}`
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(`CREATE DATABASE ${name}`)
  } finally {
    await client.end()
  }
  return adminUrl.replace(/\/postgres$/, `/${name}`)
}

/** The database of each data_dir: a server restarted on the same data_dir finds its data. */
const databaseOf = new Map<string, Promise<string>>()

/**
 * The `[storage]` section for a test server on `dataDir`: none on SQLite (the default, in
 * data_dir), on PostgreSQL the database of that data_dir (fresh the first time).
 * Example: `makeConfig({ ...input, ...(await testStorageConfig(dataDir)) })`.
 */
export const testStorageConfig = async (
  dataDir: string,
): Promise<
  | { readonly storage: { readonly backend: "postgres"; readonly url: string } }
  | Record<string, never>
> => {
  if (testBackend() === "sqlite") return {}
  let url = databaseOf.get(dataDir)
  if (url === undefined) {
    url = freshPostgresDatabase()
    databaseOf.set(dataDir, url)
  }
  return { storage: { backend: "postgres", url: await url } }
}

/**
 * The same as TOML lines, for tests that start the server as a process with a config file.
 * Example: `writeFileSync(configFile, base + (await testStorageToml(dataDir)))`.
 */
export const testStorageToml = async (dataDir: string): Promise<string> => {
  const config = await testStorageConfig(dataDir)
  return "storage" in config
    ? `\n[storage]\nbackend = "postgres"\nurl = ${JSON.stringify(config.storage.url)}\n`
    : ""
}

/** Plain SQL on a test server's database, from a connection of its own. */
export interface TestDatabaseConnection {
  exec(statement: string): Promise<void>
  close(): Promise<void>
}

/**
 * Opens a second connection to the database of the test server on `dataDir`, whichever the
 * backend: for tests that break the database under a running server (both dialects must accept
 * `statement`). Example: `await (await openTestDatabase(dataDir)).exec("ALTER TABLE …")`.
 */
export const openTestDatabase = async (dataDir: string): Promise<TestDatabaseConnection> => {
  const config = await testStorageConfig(dataDir)
  if ("storage" in config) {
    const client = new pg.Client({ connectionString: config.storage.url })
    await client.connect()
    return {
      exec: async (statement) => void (await client.query(statement)),
      close: () => client.end(),
    }
  }
  const database = new Database(databaseFile(dataDir))
  return {
    exec: async (statement) => void database.exec(statement),
    close: async () => void database.close(),
  }
}
