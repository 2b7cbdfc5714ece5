// The `--storage` bench's accounts (bench/provisionAccounts.ts) are written through the
// repositories, so the same code fills both backends: checked here on SQLite and on a private
// PostgreSQL (the repository test matrix), and read back through the repositories.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { offlineAccountOf, provisionAccounts } from "../../bench/provisionAccounts.js"
import type { StorageBackend } from "../../src/storage/repositories/StorageBackend.js"
import {
  type BackendHarness,
  backendMatrix,
  expectValue,
} from "../storage/repositories/backendMatrix.js"

const accounts = { prefix: "bench", count: 3, password: "bench-password", domain: "localhost" }

describe.each(backendMatrix)("bench accounts on $name", (entry) => {
  let harness: BackendHarness | undefined
  let backend: StorageBackend | undefined
  beforeAll(async () => {
    harness = await entry.start()
    backend = await harness.open()
    await provisionAccounts(backend, accounts)
  }, 120_000)
  afterAll(async () => {
    await backend?.close()
    harness?.stop()
  })

  const contactsOf = async (username: string) =>
    expectValue(await (backend as StorageBackend).roster.list(username)).map((item) => [
      item.jid,
      item.subscription,
    ])

  it("creates the clients and one never-logged-in account per client", async () => {
    const store = backend as StorageBackend
    expect(expectValue(await store.accounts.count())).toBe(6)
    for (const username of ["bench1", "bench3", "bench-offline-1", offlineAccountOf("bench", 3)])
      expect(expectValue(await store.accounts.get(username))?.username).toBe(username)
  })

  it("subscribes each client both ways to the next in the ring and to its offline account", async () => {
    expect(await contactsOf("bench1")).toEqual([
      ["bench-offline-1@localhost", "both"],
      ["bench2@localhost", "both"],
      ["bench3@localhost", "both"],
    ])
    expect(await contactsOf("bench3")).toEqual([
      ["bench-offline-3@localhost", "both"],
      ["bench1@localhost", "both"],
      ["bench2@localhost", "both"],
    ])
    expect(await contactsOf("bench-offline-2")).toEqual([["bench2@localhost", "both"]])
  })

  it("refuses to provision over existing accounts, naming the account", async () => {
    await expect(provisionAccounts(backend as StorageBackend, accounts)).rejects.toThrow(
      /provisioning bench1: it exists already/,
    )
  })
})
