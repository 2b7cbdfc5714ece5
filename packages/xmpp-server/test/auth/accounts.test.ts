// Account administration on the account repository (what adduser/deluser/passwd do): JID checks against the
// served domain, duplicate and missing accounts, unusable passwords.
import { describe, expect, it } from "vitest"
import {
  AccountError,
  addUser,
  changePassword,
  deleteUser,
  usernameOf,
} from "../../src/auth/accounts.js"
import { checkPassword } from "../../src/auth/credentials.js"
import { failed } from "../../src/storage/repositories/Outcome.js"
import { StorageError } from "../../src/storage/Storage.js"
import { openSqliteBackend } from "../../src/storage/sqlite/SqliteBackend.js"

const reasonOf = (work: () => unknown): string => {
  try {
    work()
  } catch (error) {
    if (error instanceof AccountError) return error.reason
    throw error
  }
  return "no error"
}

describe("usernameOf", () => {
  it("normalises the localpart and accepts the domain in any case", () => {
    expect(usernameOf("Alice@Example.ORG", "example.org")).toBe("alice")
  })

  it.each([
    ["example.org", "invalid-jid"],
    ["@example.org", "invalid-jid"],
    ["alice@example.org/phone", "invalid-jid"],
    ["a<b@example.org", "invalid-jid"],
    ["alice@example.net", "wrong-domain"],
    ["alice@", "wrong-domain"],
  ])("rejects %j (%s)", (jid, reason) => {
    expect(reasonOf(() => usernameOf(jid, "example.org"))).toBe(reason)
  })
})

/** The reason of the `AccountError` `work` rejects with. */
const rejectionOf = async (work: Promise<unknown>): Promise<string> => {
  try {
    await work
  } catch (error) {
    if (error instanceof AccountError) return error.reason
    throw error
  }
  return "no error"
}

const openAccounts = async () => {
  const backend = await openSqliteBackend(":memory:")
  if (failed(backend)) throw backend
  return backend
}

describe("addUser, changePassword, deleteUser", () => {
  it("manage one account through its life", async () => {
    const backend = await openAccounts()
    const { accounts } = backend
    expect(await addUser(accounts, "example.org", "alice@example.org", "one", 1)).toBe("alice")
    expect(await rejectionOf(addUser(accounts, "example.org", "ALICE@example.org", "two", 1))).toBe(
      "exists",
    )
    await changePassword(accounts, "example.org", "alice@example.org", "three", 1)
    const alice = await accounts.get("alice")
    expect(alice !== undefined && !failed(alice) && checkPassword(alice, "three")).toBe(true)
    expect(await deleteUser(accounts, "example.org", "alice@example.org")).toBe("alice")
    expect(await rejectionOf(deleteUser(accounts, "example.org", "alice@example.org"))).toBe(
      "not-found",
    )
    expect(
      await rejectionOf(changePassword(accounts, "example.org", "alice@example.org", "x", 1)),
    ).toBe("not-found")
    await backend.close()
  })

  it("refuse empty and SASLprep-prohibited passwords without creating the account", async () => {
    const backend = await openAccounts()
    const { accounts } = backend
    expect(await rejectionOf(addUser(accounts, "example.org", "bob@example.org", "", 1))).toBe(
      "invalid-password",
    )
    expect(
      await rejectionOf(addUser(accounts, "example.org", "bob@example.org", "\u0000", 1)),
    ).toBe("invalid-password")
    expect(await accounts.count()).toBe(0)
    await backend.close()
  })

  it("reject with the StorageError when storage fails", async () => {
    const backend = await openAccounts()
    await backend.close()
    const closed = addUser(backend.accounts, "example.org", "bob@example.org", "pw", 1)
    await expect(closed).rejects.toBeInstanceOf(StorageError)
    await expect(closed).rejects.toMatchObject({ operation: "accounts.create" })
  })
})
