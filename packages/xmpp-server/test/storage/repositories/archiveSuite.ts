// The archive on every backend: batched appends, XEP-0313 queries by `with` (bare and full
// JID), by time, and XEP-0059 paging forwards (`after`), backwards (`before`) and from the end
// (empty `before`), with the total count, the first index and the end flag MamQuery reports;
// unknown RSM ids, removal and preferences; the byte quota (`mam_usage`, kept by the database
// through appends, removals, the expiry sweep) and `archive_expires_after` (expired copies left
// out of queries, swept in bounded batches).
import { beforeEach, expect, it } from "vitest"
import type {
  ArchivedMessage,
  ArchivePage,
  ArchiveQuery,
} from "../../../src/storage/repositories/ArchiveRepository.js"
import { failed } from "../../../src/storage/repositories/Outcome.js"
import { StorageError } from "../../../src/storage/Storage.js"
import { addAccount, expectValue } from "./backendMatrix.js"
import type { SuiteContext } from "./suiteContext.js"

/** Copy `index` of juliet's archive: even ones with romeo (phone, then laptop), odd ones with the nurse. */
const copy = (index: number, overrides: Partial<ArchivedMessage> = {}): ArchivedMessage => {
  const romeo = index % 2 === 0
  const resource = index % 4 === 0 ? "phone" : "laptop"
  return {
    id: `m${index}`,
    username: "juliet",
    direction: index % 3 === 0 ? "outgoing" : "incoming",
    peer: romeo ? "romeo@example.net" : "nurse@example.com",
    peerFull: romeo ? `romeo@example.net/${resource}` : "nurse@example.com/kitchen",
    stanza: `<message><body>${index}</body></message>`,
    messageKey: `key-${index}`,
    stamp: 1000 * (index + 1),
    ...overrides,
  }
}

/** The ids and paging facts of a page, for short assertions. */
const summary = (page: ArchivePage) =>
  page.found
    ? {
        ids: page.rows.map((row) => row.id),
        count: page.count,
        firstIndex: page.firstIndex,
        complete: page.complete,
      }
    : page

/** The archive repository's behaviour. */
export const archiveSuite = ({ backend, reopen }: SuiteContext): void => {
  const query = async (archiveQuery: ArchiveQuery, owner = "juliet") =>
    summary(expectValue(await backend().archive.query(owner, archiveQuery)))

  beforeEach(async () => {
    await addAccount(backend(), "juliet")
    await addAccount(backend(), "romeo")
    const copies = Array.from({ length: 10 }, (_, index) => copy(index))
    const other = copy(0, { id: "r0", username: "romeo", peer: "juliet@example.com" })
    expect(await backend().archive.append([...copies, other])).toEqual(
      Array.from({ length: 11 }, () => undefined),
    )
  })

  it("keeps every copy in archive order with its text and time, each owner apart", async () => {
    const page = expectValue(await (await reopen()).archive.query("juliet", { max: 50 }))
    expect(page).toMatchObject({ found: true, count: 10, firstIndex: 0, complete: true })
    const rows = page.found ? page.rows : []
    expect(rows.map(({ id, stanza, stamp }) => ({ id, stanza, stamp }))).toEqual(
      Array.from({ length: 10 }, (_, index) => {
        const { id, stanza, stamp } = copy(index)
        return { id, stanza, stamp }
      }),
    )
    expect(rows.map((row) => row.seq)).toEqual(
      [...rows.map((row) => row.seq)].sort((a, b) => a - b),
    )
    expect(await query({ max: 50 }, "romeo")).toMatchObject({ ids: ["r0"], count: 1 })
  })

  it("filters by bare JID, by full JID and by time (bounds included)", async () => {
    const romeo = { jid: "romeo@example.net", full: false }
    expect(await query({ max: 50, with: romeo })).toMatchObject({
      ids: ["m0", "m2", "m4", "m6", "m8"],
      count: 5,
    })
    const phone = { jid: "romeo@example.net/phone", full: true }
    expect(await query({ max: 50, with: phone })).toMatchObject({ ids: ["m0", "m4", "m8"] })
    expect(await query({ max: 50, start: 3000, end: 6000 })).toMatchObject({
      ids: ["m2", "m3", "m4", "m5"],
      count: 4,
    })
    expect(await query({ max: 50, with: romeo, start: 3000 })).toMatchObject({
      ids: ["m2", "m4", "m6", "m8"],
    })
  })

  it("pages forwards with after and max, reporting the first index and the end", async () => {
    expect(await query({ max: 3 })).toEqual({
      ids: ["m0", "m1", "m2"],
      count: 10,
      firstIndex: 0,
      complete: false,
    })
    expect(await query({ max: 3, after: "m2" })).toEqual({
      ids: ["m3", "m4", "m5"],
      count: 10,
      firstIndex: 3,
      complete: false,
    })
    expect(await query({ max: 3, after: "m8" })).toEqual({
      ids: ["m9"],
      count: 10,
      firstIndex: 9,
      complete: true,
    })
    expect(await query({ max: 3, after: "m9" })).toMatchObject({ ids: [], complete: true })
    expect(await query({ max: 0 })).toMatchObject({ ids: [], count: 10 })
  })

  it("pages backwards from the end (empty before) and before an id", async () => {
    expect(await query({ max: 3, before: "" })).toEqual({
      ids: ["m7", "m8", "m9"],
      count: 10,
      firstIndex: 7,
      complete: false,
    })
    expect(await query({ max: 3, before: "m7" })).toEqual({
      ids: ["m4", "m5", "m6"],
      count: 10,
      firstIndex: 4,
      complete: false,
    })
    expect(await query({ max: 3, before: "m2" })).toEqual({
      ids: ["m0", "m1"],
      count: 10,
      firstIndex: 0,
      complete: true,
    })
  })

  it("pages within a filter", async () => {
    const romeo = { jid: "romeo@example.net", full: false }
    expect(await query({ max: 2, with: romeo, after: "m2" })).toEqual({
      ids: ["m4", "m6"],
      count: 5,
      firstIndex: 2,
      complete: false,
    })
    expect(await query({ max: 2, with: romeo, before: "" })).toEqual({
      ids: ["m6", "m8"],
      count: 5,
      firstIndex: 3,
      complete: false,
    })
  })

  it("answers an RSM id that is not in this archive as missing", async () => {
    expect(await query({ max: 3, after: "nope" })).toEqual({ found: false, missingId: "nope" })
    expect(await query({ max: 3, before: "r0" })).toEqual({ found: false, missingId: "r0" })
  })

  it("removes one copy by id", async () => {
    expect(await backend().archive.remove("m0")).toBe(true)
    expect(await backend().archive.remove("m0")).toBe(false)
    expect(await query({ max: 1 })).toMatchObject({ ids: ["m1"], count: 9 })
  })

  it("fails a duplicate id alone within a batch; the others are stored", async () => {
    const outcomes = await backend().archive.append([copy(10), copy(3), copy(11)])
    expect(outcomes[0]).toBeUndefined()
    expect(outcomes[1]).toBeInstanceOf(StorageError)
    expect(outcomes[1]).toMatchObject({ reason: "constraint", operation: "archive.append" })
    expect(outcomes[2]).toBeUndefined()
    expect(await query({ max: 2, before: "" })).toMatchObject({ ids: ["m10", "m11"], count: 12 })
  })

  it("stores and replaces a user's preferences", async () => {
    const { archive } = backend()
    expect(await archive.prefs("juliet")).toBeUndefined()
    expectValue(
      await archive.setPrefs("juliet", { defaultMode: "roster", always: ["a@x"], never: [] }),
    )
    const next = { defaultMode: "never", always: [], never: ["b@x", "c@x"] } as const
    expectValue(await archive.setPrefs("juliet", next))
    expect(await (await reopen()).archive.prefs("juliet")).toEqual(next)
  })

  it("answers every user's preferences at once", async () => {
    const { archive } = backend()
    expect(expectValue(await archive.allPrefs()).size).toBe(0)
    const prefs = { defaultMode: "roster", always: ["a@x"], never: ["b@x"] } as const
    expectValue(await archive.setPrefs("juliet", prefs))
    expectValue(await archive.setPrefs("romeo", { ...prefs, defaultMode: "never" }))
    const all = expectValue(await (await reopen()).archive.allPrefs())
    expect([...all.entries()].sort(([a], [b]) => a.localeCompare(b))).toEqual([
      ["juliet", prefs],
      ["romeo", { ...prefs, defaultMode: "never" }],
    ])
  })

  it("refuses a copy past the byte quota, counting every copy of the batch and of earlier ones", async () => {
    const { archive } = backend()
    // romeo holds one copy (r0); each new one has a 100-byte body ("é" is two UTF-8 bytes).
    const held = Buffer.byteLength(copy(0).stanza)
    const big = (index: number) =>
      copy(index, { username: "romeo", stanza: `<message>${"é".repeat(50)}</message>` })
    const size = Buffer.byteLength(big(20).stanza)
    const maxBytes = held + 2 * size
    const outcomes = await archive.appendUnderQuota([big(20), big(21), big(22)], { maxBytes })
    expect(outcomes).toEqual([
      { stored: true, usedBytes: held + size },
      { stored: true, usedBytes: held + 2 * size },
      { stored: false, reason: "quota", usedBytes: held + 2 * size },
    ])
    const again = await (await reopen()).archive.appendUnderQuota([big(23)], { maxBytes })
    expect(again).toEqual([{ stored: false, reason: "quota", usedBytes: held + 2 * size }])
    // A removal makes room; no limit (0) takes anything; juliet's usage is her own.
    expectValue(await backend().archive.remove("m20"))
    expect(await backend().archive.appendUnderQuota([big(24)], { maxBytes })).toEqual([
      { stored: true, usedBytes: held + 2 * size },
    ])
    expect(await backend().archive.appendUnderQuota([big(25)], { maxBytes: 0 })).toEqual([
      { stored: true, usedBytes: held + 3 * size },
    ])
    const julietHeld = Array.from({ length: 10 }, (_, index) =>
      Buffer.byteLength(copy(index).stanza),
    ).reduce((sum, bytes) => sum + bytes, 0)
    const fresh = copy(26, { stanza: "<message/>" })
    const freshBytes = Buffer.byteLength(fresh.stanza)
    expect(
      await backend().archive.appendUnderQuota([fresh], { maxBytes: julietHeld + freshBytes }),
    ).toEqual([{ stored: true, usedBytes: julietHeld + freshBytes }])
    expect(await query({ max: 50 }, "romeo")).toMatchObject({ ids: ["r0", "m21", "m24", "m25"] })
  })

  it("never lets concurrent appends pass the quota together", async () => {
    const { archive } = backend()
    const stanza = `<message>${"z".repeat(90)}</message>`
    const size = Buffer.byteLength(stanza)
    const held = Buffer.byteLength(copy(0).stanza)
    const maxBytes = held + 5 * size
    // Ten appends at once, each its own transaction (on PostgreSQL on pooled connections).
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        archive.appendUnderQuota(
          [copy(50 + index, { username: "romeo", stanza, peer: "juliet@example.com" })],
          { maxBytes },
        ),
      ),
    )
    const stored = outcomes.flat().filter((outcome) => !failed(outcome) && outcome.stored)
    expect(stored).toHaveLength(5)
    expect(outcomes.flat().filter(failed)).toEqual([])
    expect(await query({ max: 50 }, "romeo")).toMatchObject({ count: 6 })
  })

  it("fails a copy for a missing account or a duplicate id alone under a quota", async () => {
    const outcomes = await backend().archive.appendUnderQuota(
      [copy(30), copy(31, { username: "nobody" }), copy(3), copy(32)],
      { maxBytes: 1_000_000 },
    )
    expect(outcomes[0]).toMatchObject({ stored: true })
    expect(outcomes[1]).toMatchObject({ reason: "constraint", operation: "archive.append" })
    expect(outcomes[2]).toMatchObject({ reason: "constraint", operation: "archive.append" })
    expect(outcomes[3]).toMatchObject({ stored: true })
    expect(await query({ max: 2, before: "" })).toMatchObject({ ids: ["m30", "m32"], count: 12 })
  })

  it("leaves expired copies out of queries and sweeps them in bounded batches, oldest first", async () => {
    const { archive } = backend()
    // m0..m9 are stamped 1000..10000: before 4500, m0..m3 have expired.
    expect(await query({ max: 50, expiredBefore: 4500 })).toMatchObject({
      ids: ["m4", "m5", "m6", "m7", "m8", "m9"],
      count: 6,
      firstIndex: 0,
    })
    expect(await query({ max: 2, before: "", expiredBefore: 4500 })).toMatchObject({
      ids: ["m8", "m9"],
      firstIndex: 4,
    })
    // Expired: m0 and r0 (both stamped 1000), m1, m2, m3.
    expect(await archive.removeExpired(4500, 3)).toBe(3)
    expect(await archive.removeExpired(4500, 3)).toBe(2)
    expect(await archive.removeExpired(4500, 3)).toBe(0)
    expect(await query({ max: 50 })).toMatchObject({ ids: ["m4", "m5", "m6", "m7", "m8", "m9"] })
    expect(await query({ max: 50 }, "romeo")).toMatchObject({ ids: [], count: 0 })
    // The swept bytes are no longer counted against romeo's quota.
    const next = copy(40, { username: "romeo" })
    const maxBytes = Buffer.byteLength(next.stanza)
    expect(await archive.appendUnderQuota([next], { maxBytes })).toEqual([
      { stored: true, usedBytes: maxBytes },
    ])
  })
}
