// The SQLite backend and today's server share one database (issue 22: the same schema, the
// existing migrations): what today's modules wrote, the repositories read, and what the
// repositories write, today's modules read, on the same file.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { pendingTableOver } from "../../src/amp/PendingRepositoryTable.js"
import { createUserRecord } from "../../src/auth/credentials.js"
import type { MamQuery } from "../../src/mam/MamQuery.js"
import { offlineMigrations } from "../../src/offline/OfflineTable.js"
import { registrationStoreOver } from "../../src/push/RegistrationRepositoryStore.js"
import { smMigrations } from "../../src/sm/SmPending.js"
import type { ArchiveQuery } from "../../src/storage/repositories/ArchiveRepository.js"
import type { StorageBackend } from "../../src/storage/repositories/StorageBackend.js"
import { openSqliteStorage } from "../../src/storage/SqliteStorage.js"
import type { StorageShape } from "../../src/storage/Storage.js"
import {
  ampPendingMigrations,
  sqliteAmpPending,
} from "../../src/storage/sqlite/SqliteAmpPending.js"
import { openSqliteBackend } from "../../src/storage/sqlite/SqliteBackend.js"
import {
  pushRegistrationMigrations,
  sqlitePushRegistrations,
} from "../../src/storage/sqlite/SqlitePushRegistrations.js"
import { legacyMamQuery } from "./legacyMamQuery.js"
import { expectValue } from "./repositories/backendMatrix.js"

/**
 * Today's modules on an open SQLite storage (the offline and XEP-0198 modules are on the
 * repositories already; their rows are written here as those modules wrote them).
 */
const modulesOn = (storage: StorageShape) => {
  // Earlier versions applied these when the AMP and push modules opened their tables.
  storage.migrate("amp", ampPendingMigrations)
  storage.migrate("push", pushRegistrationMigrations)
  return {
    ampPending: pendingTableOver(sqliteAmpPending(storage)),
    push: registrationStoreOver(sqlitePushRegistrations(storage)),
  }
}

/** The offline and XEP-0198 tables as those modules created them. */
const offlineAndSmTables = (storage: StorageShape): void => {
  storage.migrate("offline", offlineMigrations)
  storage.migrate("stream_management", smMigrations)
}

describe("the SQLite backend on today's database", () => {
  let directory = ""
  let file = ""
  let storage: StorageShape | undefined
  let backend: StorageBackend | undefined

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), "xmpp-sqlite-compat-"))
    file = join(directory, "xmpp-amp.sqlite")
  })
  afterEach(async () => {
    await backend?.close()
    storage?.close()
    backend = undefined
    storage = undefined
    rmSync(directory, { recursive: true, force: true })
  })

  it("reads what today's modules wrote", async () => {
    storage = openSqliteStorage(file)
    offlineAndSmTables(storage)
    const modules = modulesOn(storage)
    storage.users.create(createUserRecord("juliet", "secret"))
    storage.sql.run(
      `INSERT INTO offline_messages (username, stanza, extra, message_key, stored_at)
       VALUES ('juliet', '<message><body>offline</body><delay from="example.com"/></message>',
       'amp rules', 'k1', 1)`,
    )
    storage.sql.run(
      `INSERT INTO sm_pending (seq, username, resource, stanza_xml, created_at)
       VALUES (1, 'juliet', 'phone', '<message/>', 5)`,
    )
    await modules.ampPending.put({
      id: "a1",
      recipient: "juliet@example.com",
      expiresAt: 9,
      data: "d",
    })
    await modules.push.save({
      user: "juliet@example.com",
      service: "push.example.com",
      node: "n",
      lastUsed: 1,
      errorCount: 0,
    })
    storage.close()
    storage = undefined

    backend = expectValue(await openSqliteBackend(file))
    expect(await backend.accounts.get("juliet")).toMatchObject({ username: "juliet" })
    const [stored] = expectValue(await backend.offline.list("juliet"))
    expect(stored).toMatchObject({ extra: "amp rules", messageKey: "k1" })
    expect(stored?.stanza).toContain("<body>offline</body>")
    expect(stored?.stanza).toContain('from="example.com"')
    expect(await backend.smPending.all()).toMatchObject([
      { username: "juliet", stanza: "<message/>" },
    ])
    expect(await backend.ampPending.due(10, 10)).toMatchObject([{ id: "a1" }])
    expect(await backend.pushRegistrations.load()).toMatchObject([{ node: "n" }])
  })

  it("writes what today's modules read", async () => {
    backend = expectValue(await openSqliteBackend(file))
    expect(await backend.accounts.create(createUserRecord("juliet", "secret"))).toBe(true)
    const offline = { username: "juliet", stanza: "<message><body>x</body></message>" }
    expectValue(
      await backend.offline.append(
        { ...offline, extra: "amp rules", messageKey: null, storedAt: 1 },
        { maxMessages: 10 },
      ),
    )
    expect(
      await backend.archive.append([
        {
          id: "archive-1",
          username: "juliet",
          direction: "incoming",
          peer: "romeo@example.net",
          peerFull: "romeo@example.net/phone",
          stanza: "<message/>",
          messageKey: null,
          stamp: 1,
        },
      ]),
    ).toEqual([undefined])
    expectValue(
      await backend.ampPending.put({ id: "a1", recipient: "j@x", expiresAt: 1, data: "d" }),
    )
    await backend.close()
    backend = undefined

    storage = openSqliteStorage(file)
    const modules = modulesOn(storage)
    expect(storage.users.get("juliet")).toMatchObject({ username: "juliet" })
    expect(storage.sql.all("SELECT extra FROM offline_messages")).toEqual([{ extra: "amp rules" }])
    const base = { with: undefined, start: undefined, end: undefined, after: undefined }
    expect(
      legacyMamQuery(storage, "juliet", { ...base, max: 10, before: undefined }),
    ).toMatchObject({ rows: [{ id: "archive-1" }] })
    expect(await modules.ampPending.get("a1")).toMatchObject({ recipient: "j@x" })
  })

  it("pages the archive exactly as today's MAM query does", async () => {
    backend = expectValue(await openSqliteBackend(file))
    for (const user of ["juliet", "romeo"])
      expect(await backend.accounts.create(createUserRecord(user, "secret"))).toBe(true)
    const copies = Array.from({ length: 13 }, (_, index) => ({
      id: `m${index}`,
      username: index === 5 ? "romeo" : "juliet",
      direction: "incoming" as const,
      peer: index % 3 === 0 ? "romeo@example.net" : "nurse@example.com",
      peerFull: index % 3 === 0 ? `romeo@example.net/r${index % 2}` : "nurse@example.com/n",
      stanza: `<message><body>${index}</body></message>`,
      messageKey: null,
      stamp: 1000 * Math.floor(index / 2),
    }))
    expect(await backend.archive.append(copies)).toEqual(copies.map(() => undefined))
    storage = openSqliteStorage(file)
    const romeo = { jid: "romeo@example.net", full: false }
    const queries: ReadonlyArray<ArchiveQuery> = [
      { max: 50 },
      { max: 4 },
      { max: 4, after: "m3" },
      { max: 4, after: "m11" },
      { max: 4, before: "" },
      { max: 4, before: "m9" },
      { max: 4, before: "m2" },
      { max: 0 },
      { max: 2, with: romeo },
      { max: 2, with: romeo, after: "m3" },
      { max: 2, with: romeo, before: "" },
      { max: 5, with: { jid: "romeo@example.net/r1", full: true } },
      { max: 3, start: 2000, end: 4000 },
      { max: 3, start: 2000, end: 4000, before: "" },
      { max: 3, after: "m5" },
      { max: 3, after: "unknown" },
    ]
    for (const query of queries) {
      const today: MamQuery = {
        with: query.with,
        start: query.start,
        end: query.end,
        max: query.max,
        after: query.after,
        before: query.before,
      }
      const expected = legacyMamQuery(storage, "juliet", today)
      const page = expectValue(await backend.archive.query("juliet", query))
      const label = JSON.stringify(query)
      if ("condition" in expected) expect(page.found, label).toBe(false)
      else
        expect(
          page.found && {
            rows: page.rows,
            count: page.count,
            firstIndex: page.firstIndex,
            complete: page.complete,
          },
          label,
        ).toEqual({
          rows: expected.rows,
          count: expected.count,
          firstIndex: expected.firstIndex,
          complete: expected.complete,
        })
    }
  })
})
