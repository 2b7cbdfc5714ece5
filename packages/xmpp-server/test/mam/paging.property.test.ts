// XEP-0059 paging over the archive as a property: for any number of archived messages, any
// page size and a `with` filter, walking forward with `after` or backward with `before`
// visits every matching message exactly once, in archive order, with consistent `count`,
// first index and `complete` flags. Runs on an in-memory database (no network).
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { createUserRecord, silentLogger, xml } from "../../src/index.js"
import type { MamQuery } from "../../src/mam/MamQuery.js"
import { archiveQueryOf } from "../../src/mam/MamQuery.js"
import { type MamTable, openMamTable } from "../../src/mam/MamTable.js"
import { openSqliteBackend } from "../../src/storage/sqlite/SqliteBackend.js"
import { expectValue } from "../storage/repositories/backendMatrix.js"

const faults = { mam_write: false, offline_write: false, socket_write_marker: "" }

const archiveOf = async (senders: ReadonlyArray<"alice" | "bob">) => {
  const backend = expectValue(await openSqliteBackend(":memory:"))
  expectValue(await backend.accounts.create(createUserRecord("carol", "secret", 4096)))
  const table = expectValue(
    await openMamTable({
      archive: backend.archive,
      domain: "localhost",
      defaultMode: "always",
      maxBytes: 0,
      expiresAfter: "never",
      faults,
      logger: silentLogger,
    }),
  )
  senders.forEach((sender, index) => {
    const message = xml(
      "message",
      { type: "chat", from: `${sender}@localhost/r`, to: "carol@localhost" },
      xml("body", {}, `${sender}-${index}`),
    )
    table.archive("carol", message, "incoming")
  })
  await table.flush()
  return { backend, table }
}

/** One page, as the IQ handler asks for it. */
const page = async (table: MamTable, query: MamQuery) => {
  const answer = expectValue(await table.query("carol", archiveQueryOf(query)))
  if (!answer.found) throw new Error(`no archived message with id ${answer.missingId}`)
  return answer
}

const base = { start: undefined, end: undefined, after: undefined, before: undefined }

describe("RSM paging", () => {
  it("forward and backward walks visit every matching message once, in order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom("alice" as const, "bob" as const), { maxLength: 25 }),
        fc.integer({ min: 1, max: 7 }),
        fc.boolean(),
        async (senders, max, filtered) => {
          const { backend, table } = await archiveOf(senders)
          const expected = senders
            .map((sender, index) => ({ sender, body: `${sender}-${index}` }))
            .filter(({ sender }) => !filtered || sender === "bob")
            .map(({ body }) => body)
          const filter = filtered ? { jid: "bob@localhost", full: false } : undefined
          const bodyOf = (text: string) => /<body>([^<]*)<\/body>/.exec(text)?.[1]
          const forward: Array<string | undefined> = []
          let after: string | undefined
          for (let guard = 0; guard < 40; guard += 1) {
            const forwardPage = await page(table, { ...base, with: filter, max, after })
            expect(forwardPage.count).toBe(expected.length)
            expect(forwardPage.firstIndex).toBe(forwardPage.rows.length === 0 ? 0 : forward.length)
            forward.push(...forwardPage.rows.map((row) => bodyOf(row.stanza)))
            if (forwardPage.complete) break
            after = forwardPage.rows[forwardPage.rows.length - 1]?.id
          }
          expect(forward).toEqual(expected)
          const backward: Array<string | undefined> = []
          let before = ""
          for (let guard = 0; guard < 40; guard += 1) {
            const backwardPage = await page(table, { ...base, with: filter, max, before })
            backward.unshift(...backwardPage.rows.map((row) => bodyOf(row.stanza)))
            if (backwardPage.complete) break
            before = backwardPage.rows[0]?.id ?? ""
          }
          expect(backward).toEqual(expected)
          await backend.close()
        },
      ),
      { numRuns: 60 },
    )
  })

  it("reports an unknown paging id as missing (item-not-found)", async () => {
    const { backend, table } = await archiveOf(["alice"])
    const answer = await table.query("carol", { max: 5, after: "nope" })
    expect(answer).toEqual({ found: false, missingId: "nope" })
    await backend.close()
  })
})
