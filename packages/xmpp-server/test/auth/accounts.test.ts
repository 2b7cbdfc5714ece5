// Account administration on storage (what adduser/deluser/passwd do): JID checks against the
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
import { openSqliteStorage } from "../../src/storage/SqliteStorage.js"

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

describe("addUser, changePassword, deleteUser", () => {
  it("manage one account through its life", () => {
    const storage = openSqliteStorage(":memory:")
    expect(addUser(storage, "example.org", "alice@example.org", "one", 1)).toBe("alice")
    expect(reasonOf(() => addUser(storage, "example.org", "ALICE@example.org", "two", 1))).toBe(
      "exists",
    )
    changePassword(storage, "example.org", "alice@example.org", "three", 1)
    const alice = storage.users.get("alice")
    expect(alice && checkPassword(alice, "three")).toBe(true)
    expect(deleteUser(storage, "example.org", "alice@example.org")).toBe("alice")
    expect(reasonOf(() => deleteUser(storage, "example.org", "alice@example.org"))).toBe(
      "not-found",
    )
    expect(
      reasonOf(() => changePassword(storage, "example.org", "alice@example.org", "x", 1)),
    ).toBe("not-found")
    storage.close()
  })

  it("refuse empty and SASLprep-prohibited passwords without creating the account", () => {
    const storage = openSqliteStorage(":memory:")
    expect(reasonOf(() => addUser(storage, "example.org", "bob@example.org", "", 1))).toBe(
      "invalid-password",
    )
    expect(reasonOf(() => addUser(storage, "example.org", "bob@example.org", "\u0000", 1))).toBe(
      "invalid-password",
    )
    expect(storage.users.count()).toBe(0)
    storage.close()
  })
})
