// The rosters in memory above the roster repository (src/roster/Rosters.ts), over a real SQLite
// backend: a write shows at once and settles after its group commit; a roster is read once for
// every waiter, in order, with the writes made meanwhile kept; a failed write and another
// process's commit make the roster read again; rosters of users with sessions are never
// evicted; a read of a roster not in memory is refused loudly.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, expect, it, onTestFinished, vi } from "vitest"
import { createUserRecord } from "../../src/auth/credentials.js"
import { silentLogger } from "../../src/log/Logger.js"
import { RosterNotLoaded, Rosters } from "../../src/roster/Rosters.js"
import type { RosterWriteOutcome } from "../../src/storage/RosterWriteBatch.js"
import { failed } from "../../src/storage/repositories/Outcome.js"
import type { StorageBackend } from "../../src/storage/repositories/StorageBackend.js"
import type { RosterItem } from "../../src/storage/Storage.js"
import { openSqliteBackend } from "../../src/storage/sqlite/SqliteBackend.js"

const item = (jid: string, name?: string): RosterItem => ({
  jid,
  name,
  subscription: "both",
  ask_out: false,
  pending_in: undefined,
  groups: [],
})

let directory: string
let file: string
let backend: StorageBackend

const open = async (path: string): Promise<StorageBackend> => {
  const opened = await openSqliteBackend(path)
  if (failed(opened)) throw opened
  return opened
}

const stored = async (username: string): Promise<ReadonlyArray<string>> => {
  const items = await backend.roster.list(username)
  if (failed(items)) throw items
  return items.map((entry) => `${entry.jid}=${entry.name ?? ""}`)
}

const loaded = async (rosters: Rosters, username: string): Promise<void> => {
  const outcome = await rosters.load(username)
  if (failed(outcome)) throw outcome
}

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), "xmpp-amp-rosters-"))
  file = join(directory, "xmpp-amp.sqlite")
  backend = await open(file)
  for (const name of ["juliet", "romeo", "nurse"])
    await backend.accounts.create(createUserRecord(name, "secret", 1))
})

afterEach(async () => {
  await backend.close()
  rmSync(directory, { recursive: true, force: true })
})

it("shows a write at once and settles it after the turn's single commit", async () => {
  const rosters = new Rosters(backend.roster, silentLogger)
  await loaded(rosters, "juliet")
  const outcomes: Array<[string, RosterWriteOutcome, ReadonlyArray<string>]> = []
  const settled = new Promise<void>((done) => {
    for (const contact of ["nurse", "benvolio", "tybalt"])
      rosters.write("juliet", { kind: "put", item: item(`${contact}@x`, contact) }, (outcome) => {
        void stored("juliet").then((now) => {
          outcomes.push([contact, outcome, now])
          if (outcomes.length === 3) done()
        })
      })
  })
  expect(rosters.count("juliet")).toBe(3)
  expect(rosters.get("juliet", "nurse@x")?.name).toBe("nurse")
  expect(rosters.list("juliet").map((entry) => entry.jid)).toEqual([
    "benvolio@x",
    "nurse@x",
    "tybalt@x",
  ])
  expect(await stored("juliet")).toEqual([])
  await settled
  const all = ["benvolio@x=benvolio", "nurse@x=nurse", "tybalt@x=tybalt"]
  expect(outcomes).toEqual([
    ["nurse", { ok: true }, all],
    ["benvolio", { ok: true }, all],
    ["tybalt", { ok: true }, all],
  ])
})

it("reads a roster once for every waiter, runs them in order, and keeps writes made meanwhile", async () => {
  await backend.roster.put("romeo", item("juliet@x", "stored"))
  const rosters = new Rosters(backend.roster, silentLogger)
  const list = vi.spyOn(backend.roster, "list")
  const order: Array<string> = []
  expect(rosters.ready("romeo")).toBe(false)
  expect(() => rosters.get("romeo", "juliet@x")).toThrow(RosterNotLoaded)
  rosters.whenLoaded("romeo", () => order.push(`first:${rosters.count("romeo")}`))
  // Written while the read is in flight: it must not be lost when the read lands.
  rosters.write("romeo", { kind: "put", item: item("mercutio@x", "meanwhile") })
  rosters.whenLoaded("romeo", () => order.push(`second:${rosters.count("romeo")}`))
  expect(rosters.isLoading("romeo")).toBe(true)
  await loaded(rosters, "romeo")
  expect(order).toEqual(["first:2", "second:2"])
  expect(list).toHaveBeenCalledTimes(1)
  expect(rosters.get("romeo", "mercutio@x")?.name).toBe("meanwhile")
  expect(rosters.get("romeo", "juliet@x")?.name).toBe("stored")
  // Cached now: work runs at once, without another read.
  let ranAtOnce = false
  rosters.whenLoaded("romeo", () => {
    ranAtOnce = true
  })
  expect(ranAtOnce).toBe(true)
  expect(list).toHaveBeenCalledTimes(1)
})

it("fails a write for an account that is gone alone, and reads that roster again", async () => {
  const rosters = new Rosters(backend.roster, silentLogger)
  await loaded(rosters, "juliet")
  await loaded(rosters, "nurse")
  rosters.pin("nurse")
  expect(failed(await backend.accounts.delete("nurse"))).toBe(false)
  const outcomes = await Promise.all(
    ["juliet", "nurse"].map(
      (username) =>
        new Promise<boolean>((done) =>
          rosters.write(username, { kind: "put", item: item("romeo@x") }, (outcome) =>
            done(outcome.ok),
          ),
        ),
    ),
  )
  expect(outcomes).toEqual([true, false])
  // The pinned roster is read again in the background (it was served meanwhile).
  await vi.waitFor(() => expect(rosters.get("nurse", "romeo@x")).toBeUndefined())
  expect(rosters.get("juliet", "romeo@x")?.subscription).toBe("both")
  expect(await stored("juliet")).toEqual(["romeo@x="])
})

it("keeps the rosters of users with sessions however many others are read", async () => {
  const rosters = new Rosters(backend.roster, silentLogger, 2)
  await loaded(rosters, "juliet")
  rosters.pin("juliet")
  for (let index = 0; index < 5; index++) await loaded(rosters, `stranger${index}`)
  expect(rosters.ready("juliet")).toBe(true)
  expect(rosters.ready("stranger0")).toBe(false)
  expect(rosters.ready("stranger4")).toBe(true)
  // Once the last session ended, the roster is one of the recent ones: the next reads evict it.
  rosters.unpin("juliet")
  expect(rosters.ready("juliet")).toBe(true)
  await loaded(rosters, "stranger0")
  await loaded(rosters, "stranger1")
  expect(rosters.ready("juliet")).toBe(false)
})

it("empties a pinned roster of a deleted account and drops another one", async () => {
  await backend.roster.put("juliet", item("romeo@x"))
  await backend.roster.put("romeo", item("juliet@x"))
  const rosters = new Rosters(backend.roster, silentLogger)
  await loaded(rosters, "juliet")
  await loaded(rosters, "romeo")
  rosters.pin("juliet")
  rosters.forget("juliet")
  rosters.forget("romeo")
  expect(rosters.list("juliet")).toEqual([])
  expect(rosters.ready("romeo")).toBe(false)
})

it("sees writes another connection committed to the same file within a second", async () => {
  vi.useFakeTimers({ toFake: ["Date"] })
  onTestFinished(() => {
    vi.useRealTimers()
  })
  const rosters = new Rosters(backend.roster, silentLogger)
  await loaded(rosters, "juliet")
  rosters.pin("juliet")
  await loaded(rosters, "romeo")
  const other = await open(file)
  try {
    await other.roster.put("juliet", item("nurse@x", "from elsewhere"))
    await other.roster.put("romeo", item("nurse@x", "from elsewhere"))
  } finally {
    await other.close()
  }
  vi.advanceTimersByTime(1001)
  // The unpinned roster is dropped, the pinned one read again in the background.
  expect(rosters.ready("romeo")).toBe(false)
  await vi.waitFor(() => expect(rosters.get("juliet", "nurse@x")?.name).toBe("from elsewhere"))
})
