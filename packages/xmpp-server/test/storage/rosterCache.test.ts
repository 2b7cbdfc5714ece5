// The in-memory roster copy in front of SQLite (src/storage/RosterCache.ts) must never answer
// with something the database no longer holds: after the server's own writes, after a rolled
// back transaction, after an account is removed and made again, and after another process (the
// CLI's adduser/deluser while the server runs) wrote to the same database file.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, expect, it, onTestFinished, vi } from "vitest"
import { createUserRecord } from "../../src/auth/credentials.js"
import { openSqliteStorage } from "../../src/storage/SqliteStorage.js"
import type { RosterItem, StorageShape } from "../../src/storage/Storage.js"

const item = (jid: string, subscription: RosterItem["subscription"]): RosterItem => ({
  jid,
  name: undefined,
  subscription,
  ask_out: false,
  pending_in: undefined,
  groups: [],
})

let directory: string
let file: string
let storage: StorageShape

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "xmpp-amp-roster-cache-"))
  file = join(directory, "xmpp-amp.sqlite")
  storage = openSqliteStorage(file)
  storage.users.create(createUserRecord("juliet", "secret"))
})

afterEach(() => {
  storage.close()
  rmSync(directory, { recursive: true, force: true })
})

it("answers a read after the server's own put and remove with the new item", () => {
  expect(storage.roster.get("juliet", "romeo@localhost")).toBeUndefined()
  storage.roster.put("juliet", item("romeo@localhost", "to"))
  expect(storage.roster.get("juliet", "romeo@localhost")?.subscription).toBe("to")
  storage.roster.put("juliet", item("romeo@localhost", "both"))
  expect(storage.roster.get("juliet", "romeo@localhost")?.subscription).toBe("both")
  expect(storage.roster.list("juliet").map((entry) => entry.jid)).toEqual(["romeo@localhost"])
  expect(storage.roster.remove("juliet", "romeo@localhost")).toBe(true)
  expect(storage.roster.get("juliet", "romeo@localhost")).toBeUndefined()
  expect(storage.roster.list("juliet")).toEqual([])
})

it("lists items in the database's order, whatever order they were written in", () => {
  for (const contact of ["nurse", "benvolio", "tybalt", "mercutio"])
    storage.roster.put("juliet", item(`${contact}@localhost`, "none"))
  expect(storage.roster.list("juliet").map((entry) => entry.jid)).toEqual([
    "benvolio@localhost",
    "mercutio@localhost",
    "nurse@localhost",
    "tybalt@localhost",
  ])
})

it("forgets what a rolled-back transaction wrote", () => {
  storage.roster.put("juliet", item("romeo@localhost", "none"))
  expect(() =>
    storage.transaction(() => {
      storage.roster.put("juliet", item("romeo@localhost", "both"))
      // Read inside the transaction: the cache now holds the uncommitted item.
      expect(storage.roster.get("juliet", "romeo@localhost")?.subscription).toBe("both")
      throw new Error("abort")
    }),
  ).toThrow("abort")
  expect(storage.roster.get("juliet", "romeo@localhost")?.subscription).toBe("none")
})

it("does not keep a removed account's roster for a new account of the same name", () => {
  storage.roster.put("juliet", item("romeo@localhost", "both"))
  expect(storage.roster.get("juliet", "romeo@localhost")?.subscription).toBe("both")
  expect(storage.users.delete("juliet")).toBe(true)
  expect(storage.users.create(createUserRecord("juliet", "again"))).toBe(true)
  expect(storage.roster.get("juliet", "romeo@localhost")).toBeUndefined()
  expect(storage.roster.list("juliet")).toEqual([])
})

it("sees writes another connection committed to the same file within a second", () => {
  vi.useFakeTimers({ toFake: ["Date"] })
  onTestFinished(() => {
    vi.useRealTimers()
  })
  storage.roster.put("juliet", item("romeo@localhost", "both"))
  expect(storage.roster.get("juliet", "romeo@localhost")?.subscription).toBe("both")
  const other = openSqliteStorage(file)
  try {
    other.roster.put("juliet", item("romeo@localhost", "from"))
    other.roster.put("juliet", item("nurse@localhost", "to"))
    vi.advanceTimersByTime(1001)
    expect(storage.roster.get("juliet", "romeo@localhost")?.subscription).toBe("from")
    expect(storage.roster.list("juliet").map((entry) => entry.jid)).toEqual([
      "nurse@localhost",
      "romeo@localhost",
    ])
    // The CLI's deluser: the account and (by cascade) its roster go.
    other.users.delete("juliet")
    vi.advanceTimersByTime(1001)
    expect(storage.roster.get("juliet", "romeo@localhost")).toBeUndefined()
  } finally {
    other.close()
  }
})

it("keeps answering correctly for more users than it holds", () => {
  const users = 10_050
  storage.transaction(() => {
    for (let index = 0; index < users; index++) {
      storage.users.create(createUserRecord(`user${index}`, "x", 1))
      storage.roster.put(`user${index}`, item(`friend${index}@localhost`, "both"))
    }
  })
  for (let index = 0; index < users; index++)
    expect(storage.roster.get(`user${index}`, `friend${index}@localhost`)?.jid).toBe(
      `friend${index}@localhost`,
    )
  expect(storage.roster.get("user0", "friend1@localhost")).toBeUndefined()
  storage.roster.put("user0", item("friend0@localhost", "none"))
  expect(storage.roster.get("user0", "friend0@localhost")?.subscription).toBe("none")
})
