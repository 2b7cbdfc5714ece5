// Group commit on every backend (WriteBatcher over the archive's batch append): the writes of
// one event-loop turn reach the database as one batch and each writer learns its own outcome;
// large bursts are split at maxBatch and keep their order; a failed write or a failed commit
// is an error value for exactly the writers it concerns, never a silent loss or a rejection.
import { expect, it } from "vitest"
import type { ArchivedMessage } from "../../../src/storage/repositories/ArchiveRepository.js"
import { WriteBatcher } from "../../../src/storage/repositories/WriteBatcher.js"
import { StorageError } from "../../../src/storage/Storage.js"
import { addAccount, expectValue } from "./backendMatrix.js"
import type { SuiteContext } from "./suiteContext.js"

const copy = (index: number): ArchivedMessage => ({
  id: `b${index}`,
  username: "juliet",
  direction: "incoming",
  peer: "romeo@example.net",
  peerFull: "romeo@example.net/phone",
  stanza: `<message><body>${index}</body></message>`,
  messageKey: null,
  stamp: index,
})

/** The write batcher's behaviour on a real backend. */
export const batchingSuite = ({ backend, reopen }: SuiteContext): void => {
  /** A batcher over the archive that records the size of every batch it committed. */
  const archiving = (maxBatch?: number) => {
    const batches: Array<number> = []
    const batcher = new WriteBatcher<ArchivedMessage, void>(
      (rows) => {
        batches.push(rows.length)
        return backend().archive.append(rows)
      },
      maxBatch === undefined ? {} : { maxBatch },
    )
    return { batcher, batches }
  }

  it("commits the writes of one turn as one batch; each writer gets its outcome", async () => {
    await addAccount(backend(), "juliet")
    const { batcher, batches } = archiving()
    const outcomes = await Promise.all(
      Array.from({ length: 25 }, (_, index) => batcher.add(copy(index))),
    )
    expect(outcomes).toEqual(Array.from({ length: 25 }, () => undefined))
    expect(batches).toEqual([25])
    const page = expectValue(await (await reopen()).archive.query("juliet", { max: 50 }))
    expect(page.found && page.rows.map((row) => row.id)).toEqual(
      Array.from({ length: 25 }, (_, index) => `b${index}`),
    )
  })

  it("splits a burst at maxBatch, keeps the order, and flush commits at once", async () => {
    await addAccount(backend(), "juliet")
    const { batcher, batches } = archiving(8)
    const settled = Array.from({ length: 20 }, (_, index) => batcher.add(copy(index)))
    await batcher.flush()
    expect(batcher.pending).toBe(0)
    expect(batches).toEqual([8, 8, 4])
    expect(await Promise.all(settled)).toEqual(Array.from({ length: 20 }, () => undefined))
    const page = expectValue(await backend().archive.query("juliet", { max: 50 }))
    expect(page.found && page.rows.map((row) => row.id)).toEqual(
      Array.from({ length: 20 }, (_, index) => `b${index}`),
    )
  })

  it("collects the writes that arrive while a batch commits into the next batch", async () => {
    await addAccount(backend(), "juliet")
    const batches: Array<ReadonlyArray<string>> = []
    let release: () => void = () => undefined
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let started: () => void = () => undefined
    const firstStarted = new Promise<void>((resolve) => {
      started = resolve
    })
    const batcher = new WriteBatcher<ArchivedMessage, void>(async (rows) => {
      batches.push(rows.map((row) => row.id))
      started()
      if (batches.length === 1) await gate
      return backend().archive.append(rows)
    })
    const first = [0, 1, 2].map((index) => batcher.add(copy(index)))
    await firstStarted
    const second = [3, 4, 5, 6].map((index) => batcher.add(copy(index)))
    expect(batcher.pending).toBe(4)
    release()
    expect(await Promise.all([...first, ...second])).toEqual(
      Array.from({ length: 7 }, () => undefined),
    )
    expect(batches).toEqual([
      ["b0", "b1", "b2"],
      ["b3", "b4", "b5", "b6"],
    ])
  })

  it("with a commit window, commits the writes of several turns together", async () => {
    await addAccount(backend(), "juliet")
    const batches: Array<number> = []
    const batcher = new WriteBatcher<ArchivedMessage, void>(
      (rows) => {
        batches.push(rows.length)
        return backend().archive.append(rows)
      },
      { windowMilliseconds: 1000 },
    )
    const first = batcher.add(copy(1))
    await new Promise((resolve) => setImmediate(resolve))
    const second = batcher.add(copy(2))
    expect(await Promise.all([first, second])).toEqual([undefined, undefined])
    expect(batches).toEqual([2])
  })

  it("answers a failed write with an error for that writer only", async () => {
    await addAccount(backend(), "juliet")
    const { batcher, batches } = archiving()
    const outcomes = await Promise.all([
      batcher.add(copy(1)),
      batcher.add({ ...copy(2), username: "ghost" }),
      batcher.add(copy(3)),
    ])
    expect(batches).toEqual([3])
    expect(outcomes[0]).toBeUndefined()
    expect(outcomes[1]).toBeInstanceOf(StorageError)
    expect(outcomes[1]).toMatchObject({ reason: "constraint" })
    expect(outcomes[2]).toBeUndefined()
  })

  it("answers every writer of a batch whose commit failed (database closed) with an error", async () => {
    await addAccount(backend(), "juliet")
    const { batcher } = archiving()
    expectValue(await backend().close())
    const outcomes = await Promise.all([batcher.add(copy(1)), batcher.add(copy(2))])
    for (const outcome of outcomes) {
      expect(outcome).toBeInstanceOf(StorageError)
      expect(outcome).toMatchObject({ reason: "io", operation: "archive.append" })
    }
  })
}
