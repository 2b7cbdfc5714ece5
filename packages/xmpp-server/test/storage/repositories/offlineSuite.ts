// Offline messages on every backend: append (with the AMP plugin's data and the routing key),
// list in arrival order (all, or a page at a time), count, has, holds, remove, the message and
// byte quotas, and an append for a user that does not exist, which is an error value.
import { expect, it } from "vitest"
import type { OfflineMessage } from "../../../src/storage/repositories/OfflineRepository.js"
import { StorageError } from "../../../src/storage/Storage.js"
import { addAccount, expectValue } from "./backendMatrix.js"
import type { SuiteContext } from "./suiteContext.js"

const message = (body: string, overrides: Partial<OfflineMessage> = {}): OfflineMessage => ({
  username: "juliet",
  stanza: `<message to="juliet@example.com"><body>${body}</body></message>`,
  extra: null,
  messageKey: null,
  storedAt: 1_700_000_000_000,
  ...overrides,
})

/** The offline repository's behaviour. */
export const offlineSuite = ({ backend, reopen }: SuiteContext): void => {
  it("appends with the AMP data, lists in arrival order, counts, finds and removes", async () => {
    const { offline } = backend()
    await addAccount(backend(), "juliet")
    const rules = JSON.stringify([{ condition: "expire-at", value: "2030-01-01T00:00:00Z" }])
    const first = expectValue(
      await offline.append(message("one", { extra: rules, messageKey: "k1" }), {
        maxMessages: 10,
      }),
    )
    const second = expectValue(await offline.append(message("two"), { maxMessages: 10 }))
    expect(first).toMatchObject({ stored: true })
    expect(second).toMatchObject({ stored: true })
    const listed = expectValue(await (await reopen()).offline.list("juliet"))
    expect(listed).toEqual([
      { ...message("one", { extra: rules, messageKey: "k1" }), key: first.stored && first.key },
      { ...message("two"), key: second.stored && second.key },
    ])
    const { offline: reopened } = backend()
    expect(await reopened.count("juliet")).toBe(2)
    expect(await reopened.holds("juliet", message("two").stanza)).toBe(true)
    expect(await reopened.holds("juliet", message("three").stanza)).toBe(false)
    expect(await reopened.holds("romeo", message("two").stanza)).toBe(false)
    expect(await reopened.remove(listed[0]?.key ?? "")).toBe(true)
    expect(await reopened.remove(listed[0]?.key ?? "")).toBe(false)
    expect(await reopened.remove("not a key")).toBe(false)
    expect(expectValue(await reopened.list("juliet")).map((row) => row.key)).toEqual([
      listed[1]?.key,
    ])
  })

  it("refuses a message over the quota and stores nothing of it", async () => {
    const { offline } = backend()
    await addAccount(backend(), "juliet")
    for (const body of ["one", "two"])
      expect(await offline.append(message(body), { maxMessages: 2 })).toMatchObject({
        stored: true,
      })
    expect(await offline.append(message("three"), { maxMessages: 2 })).toEqual({
      stored: false,
      reason: "quota",
      limit: "messages",
      count: 2,
      bytes: 2 * Buffer.byteLength(message("one").stanza),
    })
    expect(await offline.count("juliet")).toBe(2)
  })

  it("refuses a message that would pass the byte quota, counting UTF-8 bytes, and frees them on remove", async () => {
    const { offline } = backend()
    await addAccount(backend(), "juliet")
    // Two-byte characters: the quota counts bytes, not characters.
    const first = message("é".repeat(100))
    const size = Buffer.byteLength(first.stanza)
    expect(size).toBeGreaterThan(first.stanza.length)
    const quota = { maxMessages: 100, maxBytes: 2 * size }
    const stored = expectValue(await offline.append(first, quota))
    expect(stored).toMatchObject({ stored: true })
    expect(await offline.append(message("ü".repeat(100)), quota)).toMatchObject({ stored: true })
    expect(await offline.append(message("x"), quota)).toEqual({
      stored: false,
      reason: "quota",
      limit: "bytes",
      count: 2,
      bytes: 2 * size,
    })
    const { offline: reopened } = await reopen()
    expect(await reopened.remove(stored.stored ? stored.key : "")).toBe(true)
    // What the removed message held is free again, across a reopen too.
    expect(await reopened.append(message("é".repeat(90)), quota)).toMatchObject({ stored: true })
    // No byte limit (0): only the message quota applies.
    expect(
      await reopened.append(message("x".repeat(500)), { maxMessages: 3, maxBytes: 0 }),
    ).toMatchObject({ stored: true })
    expect(await reopened.count("juliet")).toBe(3)
  })

  it("lists a page at a time after a key, and tells whether a key is stored", async () => {
    const { offline } = backend()
    await addAccount(backend(), "juliet")
    await addAccount(backend(), "romeo")
    const keys: Array<string> = []
    for (const body of ["a", "b", "c", "d", "e"]) {
      const appended = expectValue(await offline.append(message(body), { maxMessages: 10 }))
      if (appended.stored) keys.push(appended.key)
      expectValue(await offline.append(message(body, { username: "romeo" }), { maxMessages: 10 }))
    }
    const bodies = (page: ReadonlyArray<{ readonly stanza: string }>) =>
      page.map((stored) => /<body>(.*)<\/body>/.exec(stored.stanza)?.[1])
    const first = expectValue(await offline.list("juliet", { limit: 2 }))
    expect(bodies(first)).toEqual(["a", "b"])
    const second = expectValue(
      await offline.list("juliet", { after: first[1]?.key ?? "", limit: 2 }),
    )
    expect(bodies(second)).toEqual(["c", "d"])
    expect(second.every((stored) => stored.username === "juliet")).toBe(true)
    expect(
      bodies(expectValue(await offline.list("juliet", { after: second[1]?.key ?? "" }))),
    ).toEqual(["e"])
    expect(await offline.list("juliet", { after: keys[4] ?? "", limit: 2 })).toEqual([])
    expect(await offline.has(keys[0] ?? "")).toBe(true)
    expectValue(await offline.remove(keys[0] ?? ""))
    expect(await offline.has(keys[0] ?? "")).toBe(false)
    expect(await offline.has("not a key")).toBe(false)
  })

  it("never passes the quota with concurrent appends", async () => {
    const { offline } = backend()
    await addAccount(backend(), "juliet")
    // Concurrent reads first, so that a pooled backend has its connections open and the
    // appends below really run side by side.
    await Promise.all(Array.from({ length: 8 }, () => offline.count("juliet")))
    const appends = Array.from({ length: 12 }, (_, index) =>
      offline.append(message(`m${index}`), { maxMessages: 5 }),
    )
    const outcomes = (await Promise.all(appends)).map(expectValue)
    expect(outcomes.filter((outcome) => outcome.stored)).toHaveLength(5)
    expect(await offline.count("juliet")).toBe(5)
  })

  it("answers an append for an account that does not exist with a constraint error", async () => {
    const outcome = await backend().offline.append(message("lost", { username: "ghost" }), {
      maxMessages: 10,
    })
    expect(outcome).toBeInstanceOf(StorageError)
    expect(outcome).toMatchObject({ reason: "constraint", operation: "offline.append" })
    expect(await backend().offline.count("ghost")).toBe(0)
  })
}
