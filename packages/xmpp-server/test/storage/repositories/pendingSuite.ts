// XEP-0198 pending rows and AMP pending rules on every backend: rows kept in queueing order,
// batches applied all or nothing, the highest seq after a restart, a row moved to offline
// storage in one transaction (under the offline quota), rows by owning node, a dead node's rows
// adopted by exactly one of two concurrent adopters, seq blocks above the rows in use; AMP rows by id, by
// recipient and by due time, earliest first and bounded.
import { expect, it } from "vitest"
import type { SmPendingRow } from "../../../src/storage/repositories/SmPendingRepository.js"
import { StorageError } from "../../../src/storage/Storage.js"
import { addAccount, expectValue } from "./backendMatrix.js"
import type { SuiteContext } from "./suiteContext.js"

const smRow = (seq: number, username = "juliet", node = "n1"): SmPendingRow => ({
  seq,
  node,
  username,
  resource: "phone",
  stanza: `<message id="${seq}"/>`,
  createdAt: 1_700_000_000_000 + seq,
})

/** The XEP-0198 and AMP pending repositories' behaviour. */
export const pendingSuite = ({ backend, reopen }: SuiteContext): void => {
  it("keeps XEP-0198 pending rows in seq order until removed, across a reopen", async () => {
    const { smPending } = backend()
    await addAccount(backend(), "juliet")
    expect(await smPending.lastSeq()).toBe(0)
    expectValue(
      await smPending.apply([
        { kind: "add", row: smRow(1) },
        { kind: "add", row: smRow(3) },
        { kind: "add", row: smRow(2) },
      ]),
    )
    expectValue(await smPending.apply([{ kind: "remove", seq: 3 }]))
    const reopened = (await reopen()).smPending
    expect(await reopened.all()).toEqual([smRow(1), smRow(2)])
    expect(await reopened.lastSeq()).toBe(2)
  })

  it("applies a XEP-0198 batch all or nothing: a failing row fails the batch", async () => {
    const { smPending } = backend()
    await addAccount(backend(), "juliet")
    const outcome = await smPending.apply([
      { kind: "add", row: smRow(1) },
      { kind: "add", row: smRow(2, "ghost") },
    ])
    expect(outcome).toBeInstanceOf(StorageError)
    expect(outcome).toMatchObject({ reason: "constraint", operation: "smPending.apply" })
    expect(await smPending.all()).toEqual([])
  })

  it("moves a pending row to offline storage in one transaction, under the offline quota", async () => {
    const { smPending } = backend()
    await addAccount(backend(), "juliet")
    expectValue(
      await smPending.apply([1, 2, 3].map((seq) => ({ kind: "add" as const, row: smRow(seq) }))),
    )
    const offlineCopy = (seq: number) => ({
      username: "juliet",
      stanza: `<message id="${seq}"><delay/></message>`,
      extra: null,
      messageKey: null,
      storedAt: 1_700_000_000_000 + seq,
    })
    const moved = expectValue(await smPending.moveToOffline(1, offlineCopy(1), { maxMessages: 1 }))
    expect(moved).toMatchObject({ stored: true })
    // Full: the message cannot be kept, and the row goes all the same.
    expect(await smPending.moveToOffline(2, offlineCopy(2), { maxMessages: 1 })).toMatchObject({
      stored: false,
      reason: "quota",
      limit: "messages",
      count: 1,
    })
    const size = Buffer.byteLength(offlineCopy(1).stanza)
    expect(
      await smPending.moveToOffline(3, offlineCopy(3), { maxMessages: 10, maxBytes: size + 1 }),
    ).toMatchObject({ stored: false, limit: "bytes", bytes: size })
    const reopened = await reopen()
    expect(await reopened.smPending.all()).toEqual([])
    expect(await reopened.offline.list("juliet")).toEqual([
      { ...offlineCopy(1), key: moved.stored && moved.key },
    ])
  })

  it("takes a stored offline message into a pending row in one transaction, once", async () => {
    const { smPending, offline } = backend()
    await addAccount(backend(), "juliet")
    const message = (id: string) => ({
      username: "juliet",
      stanza: `<message id="${id}"/>`,
      extra: null,
      messageKey: null,
      storedAt: 1_700_000_000_000,
    })
    const first = expectValue(await offline.append(message("a"), { maxMessages: 10 }))
    const second = expectValue(await offline.append(message("b"), { maxMessages: 10 }))
    if (!first.stored || !second.stored) throw new Error("not stored")
    expect(expectValue(await smPending.takeFromOffline(first.key, smRow(1)))).toBe(true)
    // A second taker (another session, another node) finds it gone and writes nothing.
    expect(expectValue(await smPending.takeFromOffline(first.key, smRow(2)))).toBe(false)
    expect(await smPending.all()).toEqual([smRow(1)])
    expect(expectValue(await offline.list("juliet")).map((row) => row.key)).toEqual([second.key])
    // All or nothing: a row that cannot be written keeps the stored message.
    expect(await smPending.takeFromOffline(second.key, smRow(3, "ghost"))).toBeInstanceOf(
      StorageError,
    )
    expect(expectValue(await offline.has(second.key))).toBe(true)
  })

  it("moves nothing when the offline append fails: the pending row stays", async () => {
    const { smPending } = backend()
    await addAccount(backend(), "juliet")
    expectValue(await smPending.apply([{ kind: "add", row: smRow(1) }]))
    const outcome = await smPending.moveToOffline(
      1,
      { username: "ghost", stanza: "<message/>", extra: null, messageKey: null, storedAt: 1 },
      { maxMessages: 10 },
    )
    expect(outcome).toBeInstanceOf(StorageError)
    expect(outcome).toMatchObject({ reason: "constraint", operation: "smPending.moveToOffline" })
    expect(await smPending.all()).toEqual([smRow(1)])
  })

  it("lists a node's XEP-0198 rows and adopts a dead node's rows, each to one adopter", async () => {
    const { smPending } = backend()
    await addAccount(backend(), "juliet")
    expectValue(
      await smPending.apply([
        { kind: "add", row: smRow(1, "juliet", "n1") },
        { kind: "add", row: smRow(2, "juliet", "n2") },
        { kind: "add", row: smRow(3, "juliet", "n1") },
        { kind: "add", row: smRow(4, "juliet", "n2") },
      ]),
    )
    expect(await smPending.ofNode("n1")).toEqual([smRow(1), smRow(3)])
    expect(await smPending.ofNode("n3")).toEqual([])
    // Two survivors adopt n2's rows at once: every row goes to exactly one of them.
    const [byN1, byN3] = await Promise.all([
      smPending.adopt("n2", "n1"),
      smPending.adopt("n2", "n3"),
    ])
    const adopted = [...expectValue(byN1), ...expectValue(byN3)]
    expect(adopted.map((row) => row.seq).sort()).toEqual([2, 4])
    expect(expectValue(byN1).every((row) => row.node === "n1")).toBe(true)
    expect(expectValue(byN3).every((row) => row.node === "n3")).toBe(true)
    const reopened = (await reopen()).smPending
    expect(await reopened.ofNode("n2")).toEqual([])
    const owners = expectValue(await reopened.all()).map((row) => [row.seq, row.node])
    expect(owners).toEqual([
      [1, "n1"],
      [2, expectValue(byN1).length > 0 ? "n1" : "n3"],
      [3, "n1"],
      [4, expectValue(byN1).length > 0 ? "n1" : "n3"],
    ])
    expect(await reopened.adopt("n2", "n1")).toEqual([])
  })

  it("reserves seq blocks above every row in use", async () => {
    const { smPending } = backend()
    await addAccount(backend(), "juliet")
    expectValue(await smPending.apply([{ kind: "add", row: smRow(7) }]))
    const first = expectValue(await smPending.reserveSeqs())
    expect(first.first).toBeGreaterThan(7)
    expect(first.last).toBeGreaterThan(first.first + 1_000_000)
    expect(first.last).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER)
    // A row numbered in the block: the next reservation does not hand it out again.
    expectValue(await smPending.apply([{ kind: "add", row: smRow(first.first) }]))
    const second = expectValue(await smPending.reserveSeqs())
    expect(second.first).toBeGreaterThan(first.first)
  })

  it("finds AMP pending rules by id, by recipient and by due time", async () => {
    const { ampPending } = backend()
    const row = (id: string, recipient: string, expiresAt: number) => ({
      id,
      recipient,
      expiresAt,
      data: JSON.stringify({ id, rules: ["expire-at"] }),
    })
    expectValue(await ampPending.put(row("a", "juliet@example.com", 3000)))
    expectValue(await ampPending.put(row("b", "romeo@example.net", 1000)))
    expectValue(await ampPending.put(row("c", "juliet@example.com", 2000)))
    expectValue(await ampPending.put(row("d", "juliet@example.com", 9000)))
    expectValue(await ampPending.put(row("a", "juliet@example.com", 2500)))
    const reopened = (await reopen()).ampPending
    const ids = async (due: ReturnType<typeof reopened.due>) =>
      expectValue(await due).map((found) => found.id)
    expect(await reopened.due(999, 10)).toEqual([])
    // On PostgreSQL `due` and `get` also claim the rows for this process (postgresAmpClaims.test.ts).
    expect(await ids(reopened.due(3000, 10))).toEqual(["b", "c", "a"])
    expect(await reopened.get("a")).toEqual(row("a", "juliet@example.com", 2500))
    expect(await reopened.get("z")).toBeUndefined()
    const forJuliet = expectValue(await reopened.forRecipient("juliet@example.com"))
    expect(forJuliet.map((found) => found.id).sort()).toEqual(["a", "c", "d"])
    expectValue(await reopened.remove("c"))
    expectValue(await reopened.remove("c"))
    // A put (the row's next rule) ends a claim.
    expectValue(await reopened.put(row("a", "juliet@example.com", 2500)))
    expectValue(await reopened.put(row("b", "romeo@example.net", 1000)))
    expect(await ids(reopened.due(3000, 10))).toEqual(["b", "a"])
    expectValue(await reopened.put(row("e", "juliet@example.com", 500)))
    expectValue(await reopened.put(row("f", "juliet@example.com", 600)))
    expect(await ids(reopened.due(3000, 1))).toEqual(["e"])
  })
}
