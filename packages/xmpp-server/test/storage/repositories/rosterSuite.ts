// Rosters on every backend: put (insert and replace), list in contact order, remove, and a
// batch of changes committed together with one outcome per change; a backend that tells other
// processes' commits (SQLite's data_version) does not count its own.
import { expect, it, onTestFinished, vi } from "vitest"
import { type RosterItem, StorageError } from "../../../src/storage/Storage.js"
import { addAccount, expectValue } from "./backendMatrix.js"
import type { SuiteContext } from "./suiteContext.js"

const item = (jid: string, overrides: Partial<RosterItem> = {}): RosterItem => ({
  jid,
  name: undefined,
  subscription: "none",
  ask_out: false,
  pending_in: undefined,
  groups: [],
  ...overrides,
})

/** The roster repository's behaviour. */
export const rosterSuite = ({ backend, reopen }: SuiteContext): void => {
  it("puts, replaces, lists by contact JID and removes roster items", async () => {
    const { roster } = backend()
    await addAccount(backend(), "juliet")
    const nurse = item("nurse@example.com", {
      name: "Nurse",
      subscription: "both",
      groups: ["Family", "Verona"],
    })
    const request = '<presence type="subscribe" from="tybalt@example.com"/>'
    expectValue(await roster.put("juliet", item("romeo@example.net", { ask_out: true })))
    expectValue(await roster.put("juliet", nurse))
    expectValue(await roster.put("juliet", item("Zed@example.com", { pending_in: request })))
    expectValue(await roster.put("juliet", { ...nurse, name: "The Nurse" }))
    const listed = expectValue(await (await reopen()).roster.list("juliet"))
    expect(listed).toEqual([
      item("Zed@example.com", { pending_in: request }),
      { ...nurse, name: "The Nurse" },
      item("romeo@example.net", { ask_out: true }),
    ])
    expect(await backend().roster.remove("juliet", "romeo@example.net")).toBe(true)
    expect(await backend().roster.remove("juliet", "romeo@example.net")).toBe(false)
    expect(expectValue(await backend().roster.list("juliet")).map((found) => found.jid)).toEqual([
      "Zed@example.com",
      "nurse@example.com",
    ])
    expect(await backend().roster.list("nobody")).toEqual([])
  })

  it("commits a batch of changes together; a change that fails alone fails alone", async () => {
    const { roster } = backend()
    await addAccount(backend(), "juliet")
    expectValue(await roster.put("juliet", item("old@example.com")))
    const outcomes = await roster.commit([
      { username: "juliet", change: { kind: "put", item: item("a@example.com") } },
      { username: "ghost", change: { kind: "put", item: item("b@example.com") } },
      { username: "juliet", change: { kind: "remove", contact: "old@example.com" } },
      { username: "juliet", change: { kind: "put", item: item("c@example.com") } },
    ])
    expect(outcomes).toHaveLength(4)
    expect([outcomes[0], outcomes[2], outcomes[3]]).toEqual([undefined, undefined, undefined])
    expect(outcomes[1]).toBeInstanceOf(StorageError)
    expect(outcomes[1]).toMatchObject({ reason: "constraint", operation: "roster.commit" })
    const listed = expectValue(await (await reopen()).roster.list("juliet"))
    expect(listed.map((found) => found.jid)).toEqual(["a@example.com", "c@example.com"])
    expect(await backend().roster.list("ghost")).toEqual([])
  })

  it("does not count its own commits as another process's (changedElsewhere)", async () => {
    const { roster } = backend()
    if (roster.changedElsewhere === undefined) {
      // Cross-node invalidation comes with the cluster (issue 23): PostgreSQL cannot tell yet.
      expect(backend().kind).toBe("postgres")
      return
    }
    vi.useFakeTimers({ toFake: ["Date"] })
    onTestFinished(() => {
      vi.useRealTimers()
    })
    await addAccount(backend(), "juliet")
    vi.advanceTimersByTime(1001)
    roster.changedElsewhere()
    expectValue(await roster.put("juliet", item("a@example.com")))
    await roster.commit([
      { username: "juliet", change: { kind: "remove", contact: "a@example.com" } },
    ])
    vi.advanceTimersByTime(1001)
    expect(roster.changedElsewhere()).toBe(false)
  })
}
