// The `--storage` bench's accounts, written through the storage repositories so the same code
// fills a SQLite file and a PostgreSQL database (src/storage/repositories/StorageBackend.ts):
// `${prefix}1` … `${prefix}N`, the generator's ring, each subscribed both ways to the next (AMP's
// presence check, XEP-0079 §9), and `${prefix}-offline-1` … `-N`, accounts that never log in,
// each subscribed both ways to the client that sends to it (bench/loadGenerator.ts
// `--offline-recipients`).
import { createUserRecord } from "../src/auth/credentials.js"
import { failed } from "../src/storage/repositories/Outcome.js"
import type { UserRosterChange } from "../src/storage/repositories/RosterRepository.js"
import type { Repositories } from "../src/storage/repositories/StorageBackend.js"

/** Who to create. */
export interface BenchAccounts {
  readonly prefix: string
  /** Accounts that log in (the generator's clients). */
  readonly count: number
  readonly password: string
  readonly domain: string
}

/** The never-logged-in account client `index` (1-based) sends to in the offline load. */
export const offlineAccountOf = (prefix: string, index: number): string =>
  `${prefix}-offline-${index}`

/** Both ways subscribed roster items between `left` and `right` (local parts). */
const mutual = (left: string, right: string, domain: string): ReadonlyArray<UserRosterChange> =>
  [
    [left, right],
    [right, left],
  ].map(([username = "", contact = ""]) => ({
    username,
    change: {
      kind: "put",
      item: {
        jid: `${contact}@${domain}`,
        name: undefined,
        subscription: "both",
        ask_out: false,
        pending_in: undefined,
        groups: [],
      },
    },
  }))

/**
 * Creates the clients and the offline accounts with their rosters in `backend` (a
 * `StorageBackend` of either kind, or a running server's repositories); throws with the
 * storage's reason when a write fails (an account that exists already is an error too: the
 * bench starts from an empty database). Example: `await provisionAccounts(backend, accounts)`.
 */
export const provisionAccounts = async (
  backend: Pick<Repositories, "accounts" | "roster">,
  accounts: BenchAccounts,
): Promise<void> => {
  const { prefix, count, password, domain } = accounts
  const usernames = Array.from({ length: count }, (_, index) => [
    `${prefix}${index + 1}`,
    offlineAccountOf(prefix, index + 1),
  ]).flat()
  for (const username of usernames) {
    const created = await backend.accounts.create(createUserRecord(username, password))
    if (failed(created)) throw new Error(`provisioning ${username}: ${created.message}`)
    if (!created) throw new Error(`provisioning ${username}: it exists already`)
  }
  const changes = Array.from({ length: count }, (_, index) => [
    ...mutual(`${prefix}${index + 1}`, `${prefix}${((index + 1) % count) + 1}`, domain),
    ...mutual(`${prefix}${index + 1}`, offlineAccountOf(prefix, index + 1), domain),
  ]).flat()
  const outcomes = await backend.roster.commit(changes)
  const failure = outcomes.find(failed)
  if (failure !== undefined) throw new Error(`provisioning the rosters: ${failure.message}`)
}
