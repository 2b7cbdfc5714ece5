// The durable copy of messages queued for XEP-0198 hibernated sessions (crash safety, issue 5
// item 9): one commit per event-loop turn, the ack release after that commit, removal (also of
// a row whose insert is still waiting). Recovery after a crash is tested in test/crash.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import {
  createUserRecord,
  databaseFile,
  openSqliteStorage,
  type StorageShape,
  silentLogger,
} from "../../src/index.js"
import { PendingStore, smMigrations } from "../../src/sm/SmPending.js"

const opened: Array<{ storage: StorageShape; directory: string }> = []
afterEach(() => {
  for (const { storage, directory } of opened.splice(0)) {
    storage.close()
    rmSync(directory, { recursive: true, force: true })
  }
})

const freshStore = (): PendingStore => {
  const directory = mkdtempSync(join(tmpdir(), "xmpp-amp-pending-"))
  const storage = openSqliteStorage(databaseFile(directory))
  storage.users.create(createUserRecord("bob", "bob-pass"))
  opened.push({ storage, directory })
  return new PendingStore(storage, silentLogger)
}
const nextTurn = () => new Promise((resolve) => setImmediate(resolve))
const texts = (store: PendingStore) => store.all().map((row) => row.stanza_xml)

describe("PendingStore", () => {
  it("commits a turn's rows together, in order, and only then releases the waiting acks", async () => {
    const store = freshStore()
    const released: Array<string> = []
    store.add("bob", "phone", "<message>1</message>", 1, () => released.push("1"))
    store.add("bob", "phone", "<message>2</message>", 2, () => released.push("2"))
    expect(released).toEqual([])
    expect(texts(store)).toEqual([])
    await nextTurn()
    expect(released).toEqual(["1", "2"])
    expect(texts(store)).toEqual(["<message>1</message>", "<message>2</message>"])
  })

  it("removes handed-on rows, also one whose insert is still waiting, and releases its ack", async () => {
    const store = freshStore()
    const first = store.add("bob", "phone", "<message>1</message>", 1)
    await nextTurn()
    let released = false
    const second = store.add("bob", "phone", "<message>2</message>", 2, () => {
      released = true
    })
    store.removeNow(second)
    store.remove(first)
    await nextTurn()
    expect(released).toBe(true)
    expect(texts(store)).toEqual([])
  })

  it("removes a turn's acknowledged rows together and keeps the others", async () => {
    const store = freshStore()
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
    expect(texts(store)).toEqual(["<message>2</message>"])
  })

  it("writes at once after stop (the server is shutting down)", () => {
    const store = freshStore()
    store.add("bob", "phone", "<message>1</message>", 1)
    store.stop()
    expect(texts(store)).toEqual(["<message>1</message>"])
    store.add("bob", "phone", "<message>2</message>", 2)
    expect(texts(store)).toHaveLength(2)
  })
})

describe("the sm_pending table of an older database", () => {
  it("keeps its rows, in order, through the migration to rows keyed by seq, and numbers on after them", async () => {
    const directory = mkdtempSync(join(tmpdir(), "xmpp-amp-pending-"))
    const storage = openSqliteStorage(databaseFile(directory))
    opened.push({ storage, directory })
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
    const store = new PendingStore(storage, silentLogger)
    expect(texts(store)).toEqual(["<message>old 1</message>", "<message>old 2</message>"])
    const [oldFirst] = store.all()
    store.deleteNow(oldFirst?.id ?? "")
    store.add("bob", "phone", "<message>new</message>", 2)
    await nextTurn()
    expect(texts(store)).toEqual(["<message>old 2</message>", "<message>new</message>"])
  })
})
