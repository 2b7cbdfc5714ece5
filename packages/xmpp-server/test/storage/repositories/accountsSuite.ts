// Accounts on every backend: create, get, count, new SCRAM keys, delete, and the delete that
// takes everything stored for the user with it; many accounts at once, all or none; the list of
// usernames the server's account directory starts from.
import { expect, it } from "vitest"
import { createUserRecord } from "../../../src/auth/credentials.js"
import { failed } from "../../../src/storage/repositories/Outcome.js"
import { addAccount, expectValue } from "./backendMatrix.js"
import type { SuiteContext } from "./suiteContext.js"

/** The account repository's behaviour. */
export const accountsSuite = ({ backend, reopen }: SuiteContext): void => {
  it("creates, reads, counts, rekeys and deletes accounts; a second create is refused", async () => {
    const { accounts } = backend()
    const juliet = createUserRecord("juliet", "secret")
    expect(await accounts.create(juliet)).toBe(true)
    expect(await accounts.create(createUserRecord("juliet", "other"))).toBe(false)
    expect(await accounts.get("juliet")).toEqual(juliet)
    expect(await accounts.get("nobody")).toBeUndefined()
    expect(await accounts.count()).toBe(1)
    const rekeyed = createUserRecord("juliet", "new secret")
    expect(await accounts.setCredentials(rekeyed)).toBe(true)
    expect(await accounts.setCredentials(createUserRecord("romeo", "x"))).toBe(false)
    expect(await (await reopen()).accounts.get("juliet")).toEqual(rekeyed)
    expect(await backend().accounts.delete("juliet")).toBe(true)
    expect(await backend().accounts.delete("juliet")).toBe(false)
    expect(await backend().accounts.count()).toBe(0)
  })

  it("lists every username", async () => {
    const { accounts } = backend()
    expect(await accounts.usernames()).toEqual([])
    for (const user of ["juliet", "romeo", "nurse"])
      expect(await accounts.create(createUserRecord(user, "secret", 4096))).toBe(true)
    expect(await accounts.delete("nurse")).toBe(true)
    expect([...expectValue(await accounts.usernames())].sort()).toEqual(["juliet", "romeo"])
  })

  it("creates many accounts in one transaction, reporting those that existed", async () => {
    const { accounts } = backend()
    const juliet = createUserRecord("juliet", "secret", 4096)
    expect(await accounts.create(juliet)).toBe(true)
    const many = ["romeo", "juliet", "nurse"].map((user) => createUserRecord(user, "new", 4096))
    expect(await accounts.createMany(many)).toEqual({
      created: ["romeo", "nurse"],
      existing: ["juliet"],
    })
    expect(await (await reopen()).accounts.get("juliet")).toEqual(juliet)
    expect(await backend().accounts.count()).toBe(3)
    expect(await backend().accounts.createMany([])).toEqual({ created: [], existing: [] })
  })

  it("creates none of many accounts when one of them cannot be stored", async () => {
    const { accounts } = backend()
    const broken = { ...createUserRecord("tybalt", "x", 4096) }
    const unstorable = { ...broken, scram_sha_256: { ...broken.scram_sha_256, iterations: 0 } }
    const many = [
      createUserRecord("romeo", "x", 4096),
      unstorable,
      createUserRecord("nurse", "x", 4096),
    ]
    const outcome = await accounts.createMany(many)
    expect(failed(outcome)).toBe(true)
    expect(outcome).toMatchObject({ operation: "accounts.createMany" })
    expect(await (await reopen()).accounts.count()).toBe(0)
    expect(await backend().accounts.usernames()).toEqual([])
  })

  it("deletes everything stored for a user with the account, and nothing of others", async () => {
    const store = backend()
    for (const user of ["juliet", "romeo"]) {
      await addAccount(store, user)
      const item = {
        jid: "nurse@example.com",
        name: undefined,
        subscription: "both" as const,
        ask_out: false,
        pending_in: undefined,
        groups: [],
      }
      expectValue(await store.roster.put(user, item))
      const offline = { username: user, stanza: "<message/>", extra: null, messageKey: null }
      expectValue(await store.offline.append({ ...offline, storedAt: 1 }, { maxMessages: 10 }))
      const copy = {
        id: `${user}-1`,
        username: user,
        direction: "incoming" as const,
        peer: "nurse@example.com",
        peerFull: "nurse@example.com/phone",
        stanza: "<message/>",
        messageKey: null,
        stamp: 1,
      }
      expect(await store.archive.append([copy])).toEqual([undefined])
      expectValue(
        await store.archive.setPrefs(user, { defaultMode: "always", always: [], never: [] }),
      )
      const seq = user === "juliet" ? 1 : 2
      const row = {
        seq,
        node: "n1",
        username: user,
        resource: "phone",
        stanza: "<message/>",
        createdAt: 1,
      }
      expectValue(await store.smPending.apply([{ kind: "add", row }]))
      const registration = {
        user: `${user}@example.com`,
        service: "push.example.com",
        node: "n1",
        lastUsed: 1,
        errorCount: 0,
      }
      expectValue(await store.pushRegistrations.save(registration))
    }
    expect(await store.accounts.delete("juliet")).toBe(true)
    expect(await store.roster.list("juliet")).toEqual([])
    expect(await store.offline.count("juliet")).toBe(0)
    expect(expectValue(await store.archive.query("juliet", { max: 10 }))).toMatchObject({
      count: 0,
    })
    expect(await store.archive.prefs("juliet")).toBeUndefined()
    expect(expectValue(await store.smPending.all()).map((row) => row.username)).toEqual(["romeo"])
    const users = expectValue(await store.pushRegistrations.load()).map((found) => found.user)
    expect(users).toEqual(["romeo@example.com"])
    expect(expectValue(await store.roster.list("romeo"))).toHaveLength(1)
    expect(await store.offline.count("romeo")).toBe(1)
    expect(expectValue(await store.archive.query("romeo", { max: 10 }))).toMatchObject({ count: 1 })
    expect(await store.archive.prefs("romeo")).toBeDefined()
  })
}
