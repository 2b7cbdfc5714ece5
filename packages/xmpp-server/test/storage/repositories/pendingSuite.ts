// XEP-0198 pending rows and AMP pending rules on every backend: rows kept in queueing order,
// batches applied all or nothing, the highest seq after a restart, a row moved to offline
// storage in one transaction (under the offline quota); AMP rows by id, by
// recipient and by due time, earliest first and bounded.
import { expect, it } from "vitest"
import type { SmPendingRow } from "../../../src/storage/repositories/SmPendingRepository.js"
import { StorageError } from "../../../src/storage/Storage.js"
import { addAccount, expectValue } from "./backendMatrix.js"
import type { SuiteContext } from "./suiteContext.js"

const smRow = (seq: number, username = "juliet"): SmPendingRow => ({
  seq,
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
    expect(await reopened.get("a")).toEqual(row("a", "juliet@example.com", 2500))
    expect(await reopened.get("z")).toBeUndefined()
    expect(expectValue(await reopened.due(3000, 10)).map((due) => due.id)).toEqual(["b", "c", "a"])
    expect(expectValue(await reopened.due(3000, 2)).map((due) => due.id)).toEqual(["b", "c"])
    expect(await reopened.due(999, 10)).toEqual([])
    const forJuliet = expectValue(await reopened.forRecipient("juliet@example.com"))
    expect(forJuliet.map((found) => found.id).sort()).toEqual(["a", "c", "d"])
    expectValue(await reopened.remove("c"))
    expectValue(await reopened.remove("c"))
    expect(expectValue(await reopened.due(3000, 10)).map((due) => due.id)).toEqual(["b", "a"])
  })
}
