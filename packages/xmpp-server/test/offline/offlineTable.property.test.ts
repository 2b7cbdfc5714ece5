// The offline table as a model-based property: any sequence of stores and removals for a few
// users keeps each user's messages in storage order, never holds more than the quota, answers
// `quota` exactly when full, and stamps every stored copy (not the caller's stanza) with one
// XEP-0203 delay from the server, and the byte quota counted in UTF-8 bytes. Runs on an
// in-memory SQLite backend.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { createUserRecord, silentLogger, xml } from "../../src/index.js"
import { openOfflineTable } from "../../src/offline/OfflineTable.js"
import type { StorageBackend } from "../../src/storage/repositories/StorageBackend.js"
import { openSqliteBackend } from "../../src/storage/sqlite/SqliteBackend.js"
import { expectValue } from "../storage/repositories/backendMatrix.js"

const faults = { mam_write: false, offline_write: false, socket_write_marker: "" }
const users = ["ann", "ben"] as const

type Step =
  | { readonly kind: "store"; readonly user: (typeof users)[number]; readonly body: string }
  | { readonly kind: "remove"; readonly user: (typeof users)[number]; readonly index: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant("store" as const),
    user: fc.constantFrom(...users),
    body: fc.string({ maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant("remove" as const),
    user: fc.constantFrom(...users),
    index: fc.nat(5),
  }),
)

/** A fresh in-memory backend with the users. */
const backendWith = async (names: ReadonlyArray<string>): Promise<StorageBackend> => {
  const backend = expectValue(await openSqliteBackend(":memory:"))
  for (const name of names) await backend.accounts.create(createUserRecord(name, "secret", 4096))
  return backend
}

describe("offline table", () => {
  it("keeps order and the quota under any sequence of stores and removals", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 40 }),
        fc.integer({ min: 1, max: 5 }),
        async (steps, quota) => {
          const backend = await backendWith(users)
          let clock = 1_700_000_000_000
          const table = openOfflineTable({
            repositories: backend,
            domain: "localhost",
            maxMessages: quota,
            maxBytes: 0,
            faults,
            logger: silentLogger,
            now: () => clock,
          })
          const model = new Map<string, Array<{ key: string; body: string }>>(
            users.map((user) => [user, []]),
          )
          for (const each of steps) {
            const kept = model.get(each.user) ?? []
            if (each.kind === "store") {
              clock += 1000
              const stanza = xml("message", { type: "chat" }, xml("body", {}, each.body))
              const result = await table.store(each.user, stanza)
              expect(stanza.getChild("delay")).toBeUndefined()
              if (kept.length >= quota) {
                expect(result).toMatchObject({ ok: false, reason: "quota" })
              } else {
                expect(result.ok).toBe(true)
                if (result.ok) kept.push({ key: result.key, body: each.body })
              }
            } else {
              const victim = kept[each.index]
              if (victim !== undefined) {
                expect(await table.remove(victim.key)).toBe(true)
                kept.splice(each.index, 1)
              }
            }
            for (const user of users) {
              const rows = expectValue(await table.list(user))
              const expected = model.get(user) ?? []
              expect(rows.map((row) => row.key)).toEqual(expected.map((item) => item.key))
              expect(await table.count(user)).toBe(expected.length)
              for (const row of rows) expect(row.stanza.match(/<delay /g)).toHaveLength(1)
            }
          }
          await backend.close()
        },
      ),
      { numRuns: 60 },
    )
  })

  it("refuses a message past the byte quota with a text naming it, and takes it once room is made", async () => {
    const backend = await backendWith(["ann"])
    const table = openOfflineTable({
      repositories: backend,
      domain: "localhost",
      maxMessages: 100,
      maxBytes: 1000,
      faults,
      logger: silentLogger,
    })
    const big = () => xml("message", { type: "chat" }, xml("body", {}, "é".repeat(150)))
    const first = await table.store("ann", big())
    expect(first.ok).toBe(true)
    expect(await table.store("ann", big())).toMatchObject({ ok: true })
    expect(await table.store("ann", big())).toEqual({
      ok: false,
      reason: "quota",
      text: "the offline storage of ann@localhost is full (1000 bytes)",
    })
    if (first.ok) expect(await table.remove(first.key)).toBe(true)
    expect(await table.store("ann", big())).toMatchObject({ ok: true })
    expect(await table.count("ann")).toBe(2)
    await backend.close()
  })

  it("fails every write while the offline_write fault is on", async () => {
    const backend = await backendWith(["ann"])
    const table = openOfflineTable({
      repositories: backend,
      domain: "localhost",
      maxMessages: 10,
      maxBytes: 0,
      faults: { ...faults, offline_write: true },
      logger: silentLogger,
    })
    const result = await table.store("ann", xml("message", { type: "chat" }, xml("body", {}, "x")))
    expect(result).toMatchObject({ ok: false, reason: "failed" })
    expect(await table.count("ann")).toBe(0)
    await backend.close()
  })
})
