// The backends every repository test runs against (issue 22 item 3: one test matrix, the same
// test bodies for both): SQLite in a temporary file, and PostgreSQL in a private server
// (test/helpers/privatePostgres.ts) started once per test file with a fresh database per test.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { expect } from "vitest"
import { createUserRecord } from "../../../src/auth/credentials.js"
import { openPostgresBackend } from "../../../src/storage/postgres/PostgresBackend.js"
import { failed, type Outcome } from "../../../src/storage/repositories/Outcome.js"
import type { StorageBackend } from "../../../src/storage/repositories/StorageBackend.js"
import { openSqliteBackend } from "../../../src/storage/sqlite/SqliteBackend.js"
import { startPrivatePostgres } from "../../helpers/privatePostgres.js"

/** Opens fresh databases of one backend, and the last one again. */
export interface BackendHarness {
  /** A new, empty, migrated database. */
  open(): Promise<StorageBackend>
  /** The database `open` answered last, opened again (what was committed is there). */
  reopen(): Promise<StorageBackend>
  /** Stops the database server (if any) and removes every file. */
  stop(): void
}

/** One column of the matrix. */
export interface MatrixEntry {
  readonly name: "sqlite" | "postgres"
  start(): Promise<BackendHarness>
}

/** The value of an outcome; a failure fails the test with its reason. */
export const expectValue = <A>(outcome: Outcome<A>): A => {
  if (failed(outcome)) throw outcome
  return outcome
}

/** Creates the account `username` (SCRAM keys for the password "secret"). */
export const addAccount = async (backend: StorageBackend, username: string): Promise<void> => {
  expect(await backend.accounts.create(createUserRecord(username, "secret"))).toBe(true)
}

/** SQLite and PostgreSQL, in that order. */
export const backendMatrix: ReadonlyArray<MatrixEntry> = [
  {
    name: "sqlite",
    start: async () => {
      const directory = mkdtempSync(join(tmpdir(), "xmpp-sqlite-matrix-"))
      let opened = 0
      const file = () => join(directory, `database-${opened}.sqlite`)
      return {
        open: async () => {
          opened += 1
          return expectValue(await openSqliteBackend(file()))
        },
        reopen: async () => expectValue(await openSqliteBackend(file())),
        stop: () => rmSync(directory, { recursive: true, force: true }),
      }
    },
  },
  {
    name: "postgres",
    start: async () => {
      const postgres = await startPrivatePostgres()
      let opened = 0
      let url = ""
      return {
        open: async () => {
          opened += 1
          url = await postgres.createDatabase(`matrix_${opened}`)
          return expectValue(await openPostgresBackend({ url, poolSize: 4 }))
        },
        reopen: async () => expectValue(await openPostgresBackend({ url, poolSize: 4 })),
        stop: () => postgres.stop(),
      }
    },
  },
]
