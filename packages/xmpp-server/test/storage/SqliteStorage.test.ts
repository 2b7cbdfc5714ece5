// The embedded SQLite storage service: accounts, RFC 6121 roster items, module migrations,
// transactions, and durability (a write survives a reopen and a SIGKILL of the writer).
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { createUserRecord } from "../../src/auth/credentials.js"
import { openSqliteStorage } from "../../src/storage/SqliteStorage.js"
import { type RosterItem, StorageError, type StorageShape } from "../../src/storage/Storage.js"

const item = (jid: string, overrides: Partial<RosterItem> = {}): RosterItem => ({
  jid,
  name: undefined,
  subscription: "none",
  ask_out: false,
  pending_in: undefined,
  groups: [],
  ...overrides,
})

const thrown = (work: () => unknown): unknown => {
  try {
    work()
  } catch (error) {
    return error
  }
  return undefined
}

let directory: string
let file: string
let storage: StorageShape

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "xmpp-amp-storage-"))
  file = join(directory, "nested", "xmpp-amp.sqlite")
  storage = openSqliteStorage(file)
})

afterEach(() => {
  storage.close()
  rmSync(directory, { recursive: true, force: true })
})

describe("users", () => {
  it("creates, reads, counts and deletes an account", () => {
    const juliet = createUserRecord("juliet", "pw", 1)
    expect(storage.users.create(juliet)).toBe(true)
    expect(storage.users.get("juliet")).toEqual(juliet)
    expect(storage.users.get("romeo")).toBeUndefined()
    expect(storage.users.count()).toBe(1)
    expect(storage.users.delete("juliet")).toBe(true)
    expect(storage.users.delete("juliet")).toBe(false)
    expect(storage.users.count()).toBe(0)
  })

  it("refuses a duplicate account and keeps the first one's credentials", () => {
    const first = createUserRecord("juliet", "first", 1)
    storage.users.create(first)
    expect(storage.users.create(createUserRecord("juliet", "second", 1))).toBe(false)
    expect(storage.users.get("juliet")).toEqual(first)
  })

  it("replaces credentials only for an existing account", () => {
    storage.users.create(createUserRecord("juliet", "old", 1))
    const changed = createUserRecord("juliet", "new", 1)
    expect(storage.users.setCredentials(changed)).toBe(true)
    expect(storage.users.get("juliet")).toEqual(changed)
    expect(storage.users.setCredentials(createUserRecord("nobody", "x", 1))).toBe(false)
    expect(storage.users.get("nobody")).toBeUndefined()
  })
})

describe("roster", () => {
  beforeEach(() => {
    storage.users.create(createUserRecord("juliet", "pw", 1))
  })

  it("puts, replaces, lists and removes items, with groups and pending flags", () => {
    const romeo = item("romeo@montague.lit", {
      name: "Romeo",
      subscription: "to",
      ask_out: true,
      groups: ["Friends", "Verona"],
    })
    const nurse = item("nurse@capulet.lit", {
      pending_in: "<presence type='subscribe' from='nurse@capulet.lit'/>",
    })
    storage.roster.put("juliet", romeo)
    storage.roster.put("juliet", nurse)
    expect(storage.roster.list("juliet")).toEqual([nurse, romeo])
    expect(storage.roster.get("juliet", "romeo@montague.lit")).toEqual(romeo)

    const both = item("romeo@montague.lit", { subscription: "both", groups: [] })
    storage.roster.put("juliet", both)
    expect(storage.roster.get("juliet", "romeo@montague.lit")).toEqual(both)
    expect(storage.roster.list("juliet")).toHaveLength(2)

    expect(storage.roster.remove("juliet", "romeo@montague.lit")).toBe(true)
    expect(storage.roster.remove("juliet", "romeo@montague.lit")).toBe(false)
    expect(storage.roster.list("juliet")).toEqual([nurse])
  })

  it("keeps rosters of different users apart", () => {
    storage.users.create(createUserRecord("romeo", "pw", 1))
    storage.roster.put("juliet", item("nurse@capulet.lit"))
    expect(storage.roster.list("romeo")).toEqual([])
    expect(storage.roster.get("romeo", "nurse@capulet.lit")).toBeUndefined()
  })

  it("deletes a user's roster with the user", () => {
    storage.roster.put("juliet", item("romeo@montague.lit"))
    storage.users.delete("juliet")
    storage.users.create(createUserRecord("juliet", "pw", 1))
    expect(storage.roster.list("juliet")).toEqual([])
  })

  it("refuses a roster item for an account that does not exist", () => {
    const error = thrown(() => storage.roster.put("ghost", item("romeo@montague.lit")))
    expect(error).toBeInstanceOf(StorageError)
    expect((error as StorageError).reason).toBe("constraint")
    expect((error as StorageError).operation).toBe("roster.put")
  })
})

describe("migrate", () => {
  const offline = [
    "CREATE TABLE offline_messages (id INTEGER PRIMARY KEY, username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE, xml TEXT NOT NULL)",
    "ALTER TABLE offline_messages ADD COLUMN stamp INTEGER",
  ]

  const offlineCount = () =>
    storage.sql.get<{ readonly n: number }>("SELECT count(*) AS n FROM offline_messages")?.n

  it("applies each migration once, also across reopening", () => {
    const withInsert = [
      ...offline,
      "INSERT INTO users (username, sha1_salt, sha1_iterations, sha1_stored_key, sha1_server_key, sha256_salt, sha256_iterations, sha256_stored_key, sha256_server_key, created_at) VALUES ('seed', '', 1, '', '', '', 1, '', '', 0)",
      "INSERT INTO offline_messages (username, xml, stamp) VALUES ('seed', '<message/>', 1)",
    ]
    storage.migrate("offline", offline.slice(0, 1))
    storage.migrate("offline", withInsert)
    storage.migrate("offline", withInsert)
    storage.close()
    storage = openSqliteStorage(file)
    storage.migrate("offline", withInsert)
    expect(offlineCount()).toBe(1)
    expect(storage.users.count()).toBe(1)
  })

  it("gives modules SQL on their tables, which cascade when their user is deleted", () => {
    storage.migrate("offline", offline)
    storage.users.create(createUserRecord("juliet", "pw", 1))
    const insert =
      "INSERT INTO offline_messages (username, xml, stamp) VALUES (@user, @xml, @stamp)"
    expect(storage.sql.run(insert, { user: "juliet", xml: "<message/>", stamp: 5 }).changes).toBe(1)
    expect(
      storage.sql.all<{ readonly xml: string; readonly stamp: number }>(
        "SELECT xml, stamp FROM offline_messages WHERE username = ?",
        ["juliet"],
      ),
    ).toEqual([{ xml: "<message/>", stamp: 5 }])
    storage.users.delete("juliet")
    expect(offlineCount()).toBe(0)
  })

  it("rolls back a failing migration and reports it", () => {
    const error = thrown(() =>
      storage.migrate("broken", ["CREATE TABLE broken_a (x INTEGER)", "NOT SQL AT ALL"]),
    )
    expect(error).toBeInstanceOf(StorageError)
    expect((error as StorageError).operation).toBe("migrate broken")
    expect(storage.sql.get("SELECT name FROM sqlite_master WHERE name = 'broken_a'")).toEqual({
      name: "broken_a",
    })
    storage.migrate("broken", ["CREATE TABLE broken_a (x INTEGER)", "CREATE TABLE broken_b (x)"])
    expect(storage.sql.get("SELECT name FROM sqlite_master WHERE name = 'broken_b'")).toEqual({
      name: "broken_b",
    })
  })

  it("refuses a database written by a newer version", () => {
    storage.migrate("mam", ["CREATE TABLE mam_a (x)", "CREATE TABLE mam_b (x)"])
    const error = thrown(() => storage.migrate("mam", ["CREATE TABLE mam_a (x)"]))
    expect(error).toBeInstanceOf(StorageError)
    expect((error as StorageError).reason).toBe("corrupt")
  })
})

describe("transaction", () => {
  it("commits all writes or none", () => {
    const failure = new Error("abort")
    const error = thrown(() =>
      storage.transaction(() => {
        storage.users.create(createUserRecord("juliet", "pw", 1))
        storage.roster.put("juliet", item("romeo@montague.lit"))
        throw failure
      }),
    )
    expect(error).toBe(failure)
    expect(storage.users.get("juliet")).toBeUndefined()

    const result = storage.transaction(() => {
      storage.users.create(createUserRecord("juliet", "pw", 1))
      storage.roster.put("juliet", item("romeo@montague.lit"))
      return storage.roster.list("juliet").length
    })
    expect(result).toBe(1)
    expect(storage.users.count()).toBe(1)
  })
})

describe("durability", () => {
  it("keeps data across close and reopen", () => {
    storage.users.create(createUserRecord("juliet", "pw", 1))
    storage.roster.put("juliet", item("romeo@montague.lit", { groups: ["a"] }))
    storage.close()
    storage = openSqliteStorage(file)
    expect(storage.users.get("juliet")?.username).toBe("juliet")
    expect(storage.roster.list("juliet")).toEqual([item("romeo@montague.lit", { groups: ["a"] })])
  })

  it("keeps committed writes when the writing process is killed", async () => {
    const crashFile = join(directory, "crash.sqlite")
    const run = promisify(execFile)
    const result = await run(process.execPath, [
      "--conditions=@xmpp-amp/source",
      "--import",
      "tsx",
      join(import.meta.dirname, "fixtures", "writeThenCrash.ts"),
      crashFile,
    ]).catch((error: { signal?: string }) => error)
    expect(result).toMatchObject({ signal: "SIGKILL" })
    const reopened = openSqliteStorage(crashFile)
    expect(reopened.users.get("crash")?.username).toBe("crash")
    expect(reopened.roster.list("crash")).toEqual([
      item("friend@localhost", { subscription: "both" }),
    ])
    reopened.close()
  })

  it("reports a file that is not a database as corrupt", () => {
    const bogus = join(directory, "bogus.sqlite")
    writeFileSync(bogus, "this is not a database, just some text long enough to have a header")
    const error = thrown(() => openSqliteStorage(bogus))
    expect(error).toBeInstanceOf(StorageError)
    expect((error as StorageError).reason).toBe("corrupt")
  })
})
