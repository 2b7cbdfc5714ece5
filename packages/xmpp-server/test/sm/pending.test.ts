// The durable copy of messages queued for XEP-0198 sessions (crash safety, issue 5 item 9) on
// the XEP-0198 repository: one commit per event-loop turn (a WriteBatcher over
// `smPending.apply`), the ack release after that commit (or its logged failure), rows numbered
// on after those a previous run left, the stop waiting for reroutes under way. Recovery after
// a crash is tested in test/crash.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import {
  createUserRecord,
  databaseFile,
  type Logger,
  openSqliteStorage,
  type StorageShape,
  silentLogger,
} from "../../src/index.js"
import { SINGLE_NODE } from "../../src/sm/SmNode.js"
import { PendingStore, smMigrations } from "../../src/sm/SmPending.js"
import type { StorageBackend } from "../../src/storage/repositories/StorageBackend.js"
import { sqliteBackendOn } from "../../src/storage/sqlite/SqliteBackend.js"
import { expectValue } from "../storage/repositories/backendMatrix.js"

const opened: Array<{ storage: StorageShape; directory: string }> = []
afterEach(() => {
  for (const { storage, directory } of opened.splice(0)) {
    storage.close()
    rmSync(directory, { recursive: true, force: true })
  }
})

/** A raw SQLite storage in a fresh directory (closed after the test). */
const freshStorage = (): StorageShape => {
  const directory = mkdtempSync(join(tmpdir(), "xmpp-amp-pending-"))
  const storage = openSqliteStorage(databaseFile(directory))
  opened.push({ storage, directory })
  return storage
}

const freshBackend = (): StorageBackend => {
  const backend = sqliteBackendOn(freshStorage())
  return backend
}

const openStore = async (backend: StorageBackend, logger: Logger = silentLogger) =>
  expectValue(await PendingStore.open(backend.smPending, logger, SINGLE_NODE))

const freshStore = async (): Promise<{ store: PendingStore; backend: StorageBackend }> => {
  const backend = freshBackend()
  await backend.accounts.create(createUserRecord("bob", "bob-pass", 4096))
  return { store: await openStore(backend), backend }
}
const nextTurn = () => new Promise((resolve) => setImmediate(resolve))
const texts = async (backend: StorageBackend) =>
  expectValue(await backend.smPending.all()).map((row) => row.stanza)

describe("PendingStore", () => {
  it("commits a turn's rows together, in order, and only then releases the waiting acks", async () => {
    const { store, backend } = await freshStore()
    const released: Array<string> = []
    store.add("bob", "phone", "<message>1</message>", 1, () => released.push("1"))
    store.add("bob", "phone", "<message>2</message>", 2, () => released.push("2"))
    expect(released).toEqual([])
    expect(await texts(backend)).toEqual([])
    await nextTurn()
    expect(released).toEqual(["1", "2"])
    expect(await texts(backend)).toEqual(["<message>1</message>", "<message>2</message>"])
  })

  it("removes acknowledged rows, also one whose insert waits in the same batch", async () => {
    const { store, backend } = await freshStore()
    const first = store.add("bob", "phone", "<message>1</message>", 1)
    await nextTurn()
    let released = false
    const second = store.add("bob", "phone", "<message>2</message>", 2, () => {
      released = true
    })
    store.remove(second)
    store.remove(first)
    await store.written(second)
    expect(released).toBe(true)
    await nextTurn()
    expect(await texts(backend)).toEqual([])
  })

  it("removes a turn's acknowledged rows together and keeps the others", async () => {
    const { store, backend } = await freshStore()
    const ids = ["1", "2", "3", "4"].map((n) =>
      store.add("bob", "phone", `<message>${n}</message>`, 1),
    )
    await nextTurn()
    store.remove(ids[0] ?? "")
    store.remove(ids[2] ?? "")
    store.remove(ids[3] ?? "")
    const fifth = store.add("bob", "phone", "<message>5</message>", 2)
    store.remove(fifth)
    await nextTurn()
    expect(await texts(backend)).toEqual(["<message>2</message>"])
  })

  it("numbers rows on after those a previous run left", async () => {
    const { store, backend } = await freshStore()
    const ids = ["1", "2", "3"].map((n) => store.add("bob", "phone", `<message>${n}</message>`, 1))
    await store.stop()
    const again = await openStore(backend)
    const next = again.add("bob", "phone", "<message>4</message>", 2)
    expect(Number(next)).toBe(Number(ids[2]) + 1)
    await again.stop()
    expect(expectValue(await backend.smPending.all()).map((row) => String(row.seq))).toEqual([
      ...ids,
      next,
    ])
  })

  it("commits what is queued at stop, after the reroutes under way", async () => {
    const { store, backend } = await freshStore()
    store.add("bob", "phone", "<message>1</message>", 1)
    let finishReroute = (): void => undefined
    store.track(
      new Promise<void>((resolve) => {
        finishReroute = () => {
          store.add("bob", "phone", "<message>late</message>", 2)
          resolve()
        }
      }),
    )
    const stopped = store.stop()
    let done = false
    void stopped.then(() => {
      done = true
    })
    await nextTurn()
    expect(done).toBe(false)
    finishReroute()
    await stopped
    expect(await texts(backend)).toEqual(["<message>1</message>", "<message>late</message>"])
  })

  it("logs a batch that failed and still releases its acks (nothing waits forever)", async () => {
    const backend = freshBackend()
    await backend.accounts.create(createUserRecord("bob", "bob-pass", 4096))
    const errors: Array<string> = []
    const logger: Logger = { ...silentLogger, error: (message) => void errors.push(message) }
    const store = await openStore(backend, logger)
    const released: Array<string> = []
    store.add("bob", "phone", "<message>1</message>", 1, () => released.push("bob"))
    store.add("ghost", "phone", "<message>2</message>", 1, () => released.push("ghost"))
    await nextTurn()
    await store.stop()
    expect(released).toEqual(["bob", "ghost"])
    expect(errors).toEqual(["sm-pending-write-failed"])
    // All or nothing: the batch with the failing row left no row.
    expect(await texts(backend)).toEqual([])
  })
})

describe("the sm_pending table of an older database", () => {
  it("keeps its rows, in order, through the migration to rows keyed by seq, and numbers on after them", async () => {
    const storage = freshStorage()
    storage.users.create(createUserRecord("bob", "bob-pass"))
    // The table as the first migration made it, with two rows a crash left behind.
    const [first] = smMigrations
    storage.migrate("stream_management", [first ?? ""])
    for (const [id, body] of [
      ["4f1c…-uuid-a", "<message>old 1</message>"],
      ["0a9e…-uuid-b", "<message>old 2</message>"],
    ])
      storage.sql.run(
        "INSERT INTO sm_pending (id, username, resource, stanza_xml, created_at) VALUES (?, 'bob', 'phone', ?, 1)",
        [id ?? "", body ?? ""],
      )
    const backend = sqliteBackendOn(storage)
    const store = await openStore(backend)
    expect(await texts(backend)).toEqual(["<message>old 1</message>", "<message>old 2</message>"])
    const [oldFirst] = expectValue(await backend.smPending.all())
    expectValue(await backend.smPending.apply([{ kind: "remove", seq: oldFirst?.seq ?? 0 }]))
    store.add("bob", "phone", "<message>new</message>", 2)
    await nextTurn()
    expect(await texts(backend)).toEqual(["<message>old 2</message>", "<message>new</message>"])
  })
})
