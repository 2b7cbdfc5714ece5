// The dumps past one page and one insert chunk (issue 22 item 4): 2,345 archived and 1,234
// offline messages go from a SQLite backend to a PostgreSQL one through the two
// `DumpRepository`s in process — export reads the sequence tables a page (1,000) at a time,
// import inserts in chunks (500) — and the PostgreSQL export equals the SQLite one, in order.
// Also: an import into a database that is not empty is refused and changes nothing.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, expect, it } from "vitest"
import { createUserRecord } from "../../src/auth/credentials.js"
import { openPostgresBackend } from "../../src/storage/postgres/PostgresBackend.js"
import { postgresDump } from "../../src/storage/postgres/PostgresDump.js"
import type { DumpRecord, DumpRepository } from "../../src/storage/repositories/DumpRepository.js"
import { failed } from "../../src/storage/repositories/Outcome.js"
import { openSqliteStorage } from "../../src/storage/SqliteStorage.js"
import { StorageError } from "../../src/storage/Storage.js"
import { sqliteBackendOn } from "../../src/storage/sqlite/SqliteBackend.js"
import { sqliteDump } from "../../src/storage/sqlite/SqliteDump.js"
import { type PrivatePostgres, startPrivatePostgres } from "../helpers/privatePostgres.js"

const directory = mkdtempSync(join(tmpdir(), "xmpp-amp-dump-paging-"))
let postgres: PrivatePostgres | undefined

beforeAll(async () => {
  postgres = await startPrivatePostgres()
}, 180_000)
afterAll(() => {
  postgres?.stop()
  rmSync(directory, { recursive: true, force: true })
})

const everything = async (dump: DumpRepository): Promise<Array<DumpRecord>> => {
  const records: Array<DumpRecord> = []
  for await (const record of dump.exportAll()) {
    if (failed(record)) throw record
    records.push(record)
  }
  return records
}

it("exports and imports past one page and one chunk, order and values kept", async () => {
  const server = postgres
  if (server === undefined) throw new Error("PostgreSQL did not start")
  const storage = openSqliteStorage(join(directory, "source.sqlite"))
  const source = sqliteBackendOn(storage)
  try {
    for (const name of ["lea", "max"])
      expect(await source.accounts.create(createUserRecord(name, "secret"))).toBe(true)
    const copies = Array.from({ length: 2345 }, (_, index) => ({
      id: `id-${index}`,
      username: index % 3 === 0 ? "max" : "lea",
      direction: "incoming" as const,
      peer: "max@localhost",
      peerFull: "max@localhost/r",
      stanza: `<message xmlns='jabber:client'><body>${index}</body></message>`,
      messageKey: null,
      stamp: 1_700_000_000_000 + index,
    }))
    for (const outcome of await source.archive.append(copies)) expect(failed(outcome)).toBe(false)
    for (let index = 0; index < 1234; index++) {
      const stored = await source.offline.append(
        {
          username: "lea",
          stanza: `<message xmlns='jabber:client' id='o${index}'/>`,
          extra: index % 2 === 0 ? `{"rules":${index}}` : null,
          messageKey: `k${index}`,
          storedAt: 1_700_000_000_000 + index,
        },
        { maxMessages: 10_000 },
      )
      expect(failed(stored)).toBe(false)
    }
    const exported = await everything(sqliteDump(storage))
    expect(exported.filter((record) => record.type === "archive")).toHaveLength(2345)
    expect(exported.filter((record) => record.type === "offline")).toHaveLength(1234)

    const url = await server.createDatabase("paging")
    const target = await openPostgresBackend({ url, poolSize: 2 })
    if (failed(target)) throw target
    const dump = postgresDump(url)
    try {
      const imported = await dump.importAll(exported)
      if (failed(imported)) throw imported
      expect(imported).toMatchObject({ account: 2, archive: 2345, offline: 1234 })
      expect(await everything(dump)).toEqual(exported)

      // Not empty any more: refused, and nothing changes.
      const again = await dump.importAll(exported.slice(0, 1))
      expect(again).toBeInstanceOf(StorageError)
      expect((again as StorageError).message).toContain("the database is not empty")
      expect(await dump.counts()).toMatchObject({ account: 2, archive: 2345, offline: 1234 })
    } finally {
      await dump.close()
      await target.close()
    }
  } finally {
    await source.close()
  }
}, 180_000)
