// The offline table as a model-based property: any sequence of stores and removals for a few
// users keeps each user's messages in storage order, never holds more than the quota, answers
// `quota` exactly when full, and stamps every stored copy (not the caller's stanza) with one
// XEP-0203 delay from the server. Runs on an in-memory database.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { createUserRecord, openSqliteStorage, silentLogger, xml } from "../../src/index.js"
import { openOfflineTable } from "../../src/offline/OfflineTable.js"

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

describe("offline table", () => {
  it("keeps order and the quota under any sequence of stores and removals", () => {
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 40 }),
        fc.integer({ min: 1, max: 5 }),
        (steps, quota) => {
          const storage = openSqliteStorage(":memory:")
          for (const user of users) storage.users.create(createUserRecord(user, "secret", 4096))
          let clock = 1_700_000_000_000
          const table = openOfflineTable({
            storage,
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
              const result = table.store(each.user, stanza)
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
                expect(table.remove(victim.key)).toBe(true)
                kept.splice(each.index, 1)
              }
            }
            for (const user of users) {
              const rows = table.list(user)
              const expected = model.get(user) ?? []
              expect(rows.map((row) => String(row.seq))).toEqual(expected.map((item) => item.key))
              expect(table.count(user)).toBe(expected.length)
              for (const row of rows) expect(row.stanza.match(/<delay /g)).toHaveLength(1)
            }
          }
          storage.close()
        },
      ),
      { numRuns: 60 },
    )
  })

  it("fails every write while the offline_write fault is on", () => {
    const storage = openSqliteStorage(":memory:")
    storage.users.create(createUserRecord("ann", "secret", 4096))
    const table = openOfflineTable({
      storage,
      domain: "localhost",
      maxMessages: 10,
      maxBytes: 0,
      faults: { ...faults, offline_write: true },
      logger: silentLogger,
    })
    const result = table.store("ann", xml("message", { type: "chat" }, xml("body", {}, "x")))
    expect(result).toMatchObject({ ok: false, reason: "failed" })
    expect(table.count("ann")).toBe(0)
    storage.close()
  })
})
