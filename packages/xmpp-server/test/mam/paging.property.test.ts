// XEP-0059 paging over the archive as a property: for any number of archived messages, any
// page size and a `with` filter, walking forward with `after` or backward with `before`
// visits every matching message exactly once, in archive order, with consistent `count`,
// first index and `complete` flags. Runs on an in-memory database (no network).
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { createUserRecord, openSqliteStorage, silentLogger, xml } from "../../src/index.js"
import { runMamQuery } from "../../src/mam/MamQuery.js"
import { openMamTable } from "../../src/mam/MamTable.js"

const faults = { mam_write: false, offline_write: false, socket_write_marker: "" }

const archiveOf = (senders: ReadonlyArray<"alice" | "bob">) => {
  const storage = openSqliteStorage(":memory:")
  storage.users.create(createUserRecord("carol", "secret", 4096))
  const table = openMamTable({
    storage,
    domain: "localhost",
    defaultMode: "always",
    maxBytes: 0,
    expiresAfter: "never",
    faults,
    logger: silentLogger,
  })
  senders.forEach((sender, index) => {
    const message = xml(
      "message",
      { type: "chat", from: `${sender}@localhost/r`, to: "carol@localhost" },
      xml("body", {}, `${sender}-${index}`),
    )
    table.archive("carol", message, "incoming")
  })
  table.flush()
  return { storage, table }
}

const base = { start: undefined, end: undefined, after: undefined, before: undefined }

describe("RSM paging", () => {
  it("forward and backward walks visit every matching message once, in order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("alice" as const, "bob" as const), { maxLength: 25 }),
        fc.integer({ min: 1, max: 7 }),
        fc.boolean(),
        (senders, max, filtered) => {
          const { storage } = archiveOf(senders)
          const expected = senders
            .map((sender, index) => ({ sender, body: `${sender}-${index}` }))
            .filter(({ sender }) => !filtered || sender === "bob")
            .map(({ body }) => body)
          const filter = filtered ? { jid: "bob@localhost", full: false } : undefined
          const bodyOf = (text: string) => /<body>([^<]*)<\/body>/.exec(text)?.[1]
          const forward: Array<string | undefined> = []
          let after: string | undefined
          for (let guard = 0; guard < 40; guard += 1) {
            const page = runMamQuery(storage, "carol", { ...base, with: filter, max, after })
            if ("condition" in page) throw new Error(page.text)
            expect(page.count).toBe(expected.length)
            expect(page.firstIndex).toBe(page.rows.length === 0 ? 0 : forward.length)
            forward.push(...page.rows.map((row) => bodyOf(row.stanza)))
            if (page.complete) break
            after = page.rows[page.rows.length - 1]?.id
          }
          expect(forward).toEqual(expected)
          const backward: Array<string | undefined> = []
          let before = ""
          for (let guard = 0; guard < 40; guard += 1) {
            const page = runMamQuery(storage, "carol", { ...base, with: filter, max, before })
            if ("condition" in page) throw new Error(page.text)
            backward.unshift(...page.rows.map((row) => bodyOf(row.stanza)))
            if (page.complete) break
            before = page.rows[0]?.id ?? ""
          }
          expect(backward).toEqual(expected)
          storage.close()
        },
      ),
      { numRuns: 60 },
    )
  })

  it("reports an unknown paging id as item-not-found", () => {
    const { storage } = archiveOf(["alice"])
    const page = runMamQuery(storage, "carol", {
      ...base,
      with: undefined,
      max: 5,
      after: "nope",
    })
    expect(page).toMatchObject({ condition: "item-not-found" })
    storage.close()
  })
})
