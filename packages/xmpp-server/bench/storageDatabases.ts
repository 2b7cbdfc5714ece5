// The databases of `npm run bench -- --storage`, one kind per backend: each server gets its own
// copy of one provisioned database (SQLite: a copy of the provisioned data directory;
// PostgreSQL: `CREATE DATABASE … TEMPLATE` of the provisioned one in a private PostgreSQL,
// test/helpers/privatePostgres.ts), and `adduser` gets an empty one each time. Both are
// provisioned by the same code, through the repositories (bench/provisionAccounts.ts).
import { cpSync, mkdirSync } from "node:fs"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import pg from "pg"
import { openPostgresBackend } from "../src/storage/postgres/PostgresBackend.js"
import { failed, type Outcome } from "../src/storage/repositories/Outcome.js"
import type { StorageBackend } from "../src/storage/repositories/StorageBackend.js"
import { databaseFile } from "../src/storage/SqliteStorage.js"
import { openSqliteBackend } from "../src/storage/sqlite/SqliteBackend.js"
import { postmasterPid, startPrivatePostgres } from "../test/helpers/privatePostgres.js"
import type { BenchStorage } from "./benchServer.js"
import { type BenchAccounts, provisionAccounts } from "./provisionAccounts.js"

/** The databases of one backend. */
export interface BenchDatabases {
  readonly backend: BenchStorage["backend"]
  /** "SQLite" or "PostgreSQL", for the tables. */
  readonly label: string
  /**
   * A copy of the provisioned database for a server whose config goes into `directory` (its
   * `data` directory is made there); answers what its config says about storage.
   */
  provisioned(directory: string): Promise<BenchStorage>
  /** An empty database (no tables: the CLI makes them), likewise. */
  empty(directory: string): Promise<BenchStorage>
  /** How many accounts the database of `directory`/`storage` holds. */
  countAccounts(directory: string, storage: BenchStorage): Promise<number>
  /** The PostgreSQL postmaster's pid (its CPU is reported), undefined for SQLite. */
  readonly databasePid: number | undefined
  /** Stops what the databases need (idempotent). */
  close(): Promise<void>
}

const opened = (backend: Outcome<StorageBackend>, where: string): StorageBackend => {
  if (failed(backend)) throw new Error(`cannot open ${where}: ${backend.message}`)
  return backend
}

/** Provisions `accounts` into `backend` and closes it. */
const provisionAndClose = async (backend: StorageBackend, accounts: BenchAccounts) => {
  try {
    await provisionAccounts(backend, accounts)
  } finally {
    await backend.close()
  }
}

/** Counts the accounts in `backend` and closes it. */
const countAndClose = async (backend: StorageBackend): Promise<number> => {
  try {
    const count = await backend.accounts.count()
    if (failed(count)) throw new Error(`counting the accounts: ${count.message}`)
    return count
  } finally {
    await backend.close()
  }
}

/** SQLite: the provisioned `data` directory under `root`, copied for each server. */
export const sqliteDatabases = async (
  root: string,
  accounts: BenchAccounts,
): Promise<BenchDatabases> => {
  const template = join(root, "sqlite-template", "data")
  mkdirSync(template, { recursive: true })
  const file = databaseFile(template)
  await provisionAndClose(opened(await openSqliteBackend(file), file), accounts)
  const dataOf = (directory: string) => join(directory, "data")
  return {
    backend: "sqlite",
    label: "SQLite",
    provisioned: async (directory) => {
      cpSync(template, dataOf(directory), { recursive: true })
      return { backend: "sqlite" }
    },
    empty: async (directory) => {
      mkdirSync(dataOf(directory), { recursive: true })
      return { backend: "sqlite" }
    },
    countAccounts: async (directory) => {
      const counted = databaseFile(dataOf(directory))
      return countAndClose(opened(await openSqliteBackend(counted), counted))
    },
    databasePid: undefined,
    close: async () => undefined,
  }
}

/** Runs one statement on the private server's `postgres` database. */
const administer = async (url: string, statement: string): Promise<void> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

/**
 * PostgreSQL: a private server (stopped by `close`, or by an exit hook if the bench dies), a
 * provisioned database `bench_template`, and for each server `CREATE DATABASE … TEMPLATE` of it.
 */
export const postgresDatabases = async (accounts: BenchAccounts): Promise<BenchDatabases> => {
  // Durable, as SQLite is (synchronous=FULL): the comparison is of committed writes.
  const postgres = await startPrivatePostgres({ durable: true })
  try {
    const templateUrl = await postgres.createDatabase("bench_template")
    const backend = await openPostgresBackend({ url: templateUrl, poolSize: 4 })
    await provisionAndClose(opened(backend, templateUrl), accounts)
    let databases = 0
    const nextName = () => `bench_${++databases}`
    const copyOfTemplate = async (name: string): Promise<string> => {
      // The template's last connection may still be closing on the server side: a few tries.
      for (let attempt = 1; ; attempt++) {
        try {
          await administer(
            postgres.url("postgres"),
            `CREATE DATABASE "${name}" TEMPLATE bench_template`,
          )
          return postgres.url(name)
        } catch (error) {
          if (attempt === 20 || !/being accessed by other users/.test(String(error))) throw error
          await sleep(100)
        }
      }
    }
    const withDataDirectory = (directory: string, url: string): BenchStorage => {
      mkdirSync(join(directory, "data"), { recursive: true })
      return { backend: "postgres", url }
    }
    return {
      backend: "postgres",
      label: "PostgreSQL",
      provisioned: async (directory) =>
        withDataDirectory(directory, await copyOfTemplate(nextName())),
      empty: async (directory) =>
        withDataDirectory(directory, await postgres.createDatabase(nextName())),
      countAccounts: async (_directory, storage) => {
        if (storage.backend !== "postgres") throw new Error("not a PostgreSQL database")
        return countAndClose(
          opened(await openPostgresBackend({ url: storage.url, poolSize: 1 }), storage.url),
        )
      },
      databasePid: postmasterPid(postgres),
      close: async () => postgres.stop(),
    }
  } catch (error) {
    postgres.stop()
    throw error
  }
}
