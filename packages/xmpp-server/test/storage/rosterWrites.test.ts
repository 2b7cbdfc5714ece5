// The hot path's roster writes (issue 25 item 2, src/storage/RosterWriteBatch.ts): a write is
// visible to reads at once, is committed with the other writes of the event-loop turn in one
// transaction, and reports its durable outcome only after that commit; a write that fails
// (its account is gone) fails alone and the cached roster is read again; a synchronous write
// or an account removal first commits what is queued, so the order of writes is kept.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, expect, it } from "vitest"
import { createUserRecord } from "../../src/auth/credentials.js"
import type { RosterWriteOutcome } from "../../src/storage/RosterWriteBatch.js"
import { openSqliteStorage } from "../../src/storage/SqliteStorage.js"
import type { RosterItem, StorageShape } from "../../src/storage/Storage.js"

const item = (jid: string, name?: string): RosterItem => ({
  jid,
  name,
  subscription: "none",
  ask_out: false,
  pending_in: undefined,
  groups: [],
})

let directory: string
let file: string
let storage: StorageShape

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "xmpp-amp-roster-writes-"))
  file = join(directory, "xmpp-amp.sqlite")
  storage = openSqliteStorage(file)
  for (const name of ["juliet", "romeo"]) storage.users.create(createUserRecord(name, "x", 4096))
})
afterEach(() => {
  storage.close()
  rmSync(directory, { recursive: true, force: true })
})

/** What another connection to the same file reads (what is durable). */
const committed = (username: string): ReadonlyArray<string> => {
  const other = openSqliteStorage(file)
  try {
    return other.roster.list(username).map((entry) => `${entry.jid}=${entry.name ?? ""}`)
  } finally {
    other.close()
  }
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

it("shows a write at once and reports it after the turn's single commit", async () => {
  expect(storage.roster.list("juliet")).toEqual([])
  const outcomes: Array<[string, RosterWriteOutcome, ReadonlyArray<string>]> = []
  for (const contact of ["nurse", "benvolio", "tybalt"])
    storage.roster.write(
      "juliet",
      { kind: "put", item: item(`${contact}@localhost`, contact) },
      (outcome) => outcomes.push([contact, outcome, committed("juliet")]),
    )
  expect(storage.roster.count("juliet")).toBe(3)
  expect(storage.roster.get("juliet", "nurse@localhost")?.name).toBe("nurse")
  expect(storage.roster.list("juliet").map((entry) => entry.jid)).toEqual([
    "benvolio@localhost",
    "nurse@localhost",
    "tybalt@localhost",
  ])
  expect(committed("juliet")).toEqual([])
  expect(outcomes).toEqual([])
  await nextTurn()
  const all = ["benvolio@localhost=benvolio", "nurse@localhost=nurse", "tybalt@localhost=tybalt"]
  expect(outcomes).toEqual([
    ["nurse", { ok: true }, all],
    ["benvolio", { ok: true }, all],
    ["tybalt", { ok: true }, all],
  ])
})

it("fails a write for an account that is gone alone, and reads that roster again", async () => {
  const outcomes: Array<boolean> = []
  storage.roster.write("juliet", { kind: "put", item: item("nurse@localhost") }, (outcome) =>
    outcomes.push(outcome.ok),
  )
  storage.roster.write("ghost", { kind: "put", item: item("nurse@localhost") }, (outcome) =>
    outcomes.push(outcome.ok),
  )
  await nextTurn()
  expect(outcomes).toEqual([true, false])
  expect(storage.roster.list("ghost")).toEqual([])
  expect(committed("juliet")).toEqual(["nurse@localhost="])
})

it("commits queued writes before a synchronous write, a removal or an account deletion", () => {
  storage.roster.write("juliet", { kind: "put", item: item("nurse@localhost", "first") })
  storage.roster.put("juliet", item("nurse@localhost", "second"))
  expect(committed("juliet")).toEqual(["nurse@localhost=second"])
  storage.roster.write("juliet", { kind: "remove", contact: "nurse@localhost" })
  expect(storage.roster.get("juliet", "nurse@localhost")).toBeUndefined()
  storage.roster.write("romeo", { kind: "put", item: item("mercutio@localhost") })
  expect(storage.users.delete("romeo")).toBe(true)
  expect(committed("juliet")).toEqual([])
  expect(committed("romeo")).toEqual([])
})

it("commits what is queued when the storage closes", () => {
  storage.roster.write("juliet", { kind: "put", item: item("nurse@localhost", "kept") })
  storage.close()
  storage = openSqliteStorage(file)
  expect(storage.roster.get("juliet", "nurse@localhost")?.name).toBe("kept")
})
