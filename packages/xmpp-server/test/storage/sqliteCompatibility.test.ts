// The SQLite backend and today's server share one database (issue 22: the same schema, the
// existing migrations): what today's modules wrote, the repositories read, and what the
// repositories write, today's modules read, on the same file.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { pendingTable } from "../../src/amp/PendingSql.js"
import { createUserRecord } from "../../src/auth/credentials.js"
import { silentLogger } from "../../src/log/Logger.js"
import { openMamTable } from "../../src/mam/MamTable.js"
import { openOfflineTable } from "../../src/offline/OfflineTable.js"
import { registrationTable } from "../../src/push/RegistrationSql.js"
import { PendingStore } from "../../src/sm/SmPending.js"
import type { StorageBackend } from "../../src/storage/repositories/StorageBackend.js"
import { openSqliteStorage } from "../../src/storage/SqliteStorage.js"
import type { StorageShape } from "../../src/storage/Storage.js"
import { openSqliteBackend } from "../../src/storage/sqlite/SqliteBackend.js"
import { xml } from "../../src/xml/Xml.js"
import { expectValue } from "./repositories/backendMatrix.js"

const faults = { mam_write: false, offline_write: false, socket_write_marker: "" }
const domain = "example.com"

/** Today's modules on an open SQLite storage. */
const modulesOn = (storage: StorageShape) => ({
  offline: openOfflineTable({ storage, domain, maxMessages: 100, faults, logger: silentLogger }),
  archive: openMamTable({
    storage,
    domain,
    defaultMode: "always",
    faults,
    logger: silentLogger,
  }),
  smPending: new PendingStore(storage, silentLogger),
  ampPending: pendingTable(storage),
  push: registrationTable(storage),
})

const message = (body: string) =>
  xml("message", { from: "romeo@example.net/phone", to: "juliet@example.com", type: "chat" }, [
    xml("body", {}, body),
  ])

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
    const modules = modulesOn(storage)
    storage.users.create(createUserRecord("juliet", "secret"))
    const offline = modules.offline.store("juliet", message("offline"), {
      extra: "amp rules",
      messageKey: "k1",
    })
    expect(offline.ok).toBe(true)
    const archived = modules.archive.archive("juliet", message("archived"), "incoming", "k2")
    modules.archive.flush()
    modules.smPending.add("juliet", "phone", "<message/>", 5)
    modules.smPending.stop()
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
    const page = expectValue(await backend.archive.query("juliet", { max: 10 }))
    expect(page.found && page.rows.map((row) => row.id)).toEqual([archived.ok && archived.key])
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
    expect(modules.offline.list("juliet")).toMatchObject([{ extra: "amp rules" }])
    expect(modules.archive.remove("archive-1")).toBe(true)
    expect(await modules.ampPending.get("a1")).toMatchObject({ recipient: "j@x" })
  })
})
