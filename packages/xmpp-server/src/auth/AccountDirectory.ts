// Which local accounts exist, answered synchronously on the routing path (RFC 6121 §8.5: a
// message to a bare JID with no session is stored offline for an account, refused with
// `service-unavailable` otherwise; the AMP plugin's `decide` is synchronous). The usernames
// are loaded once at start, before the listeners open, through `accounts.usernames()`, and
// every account this server creates or deletes (in-band registration, the admin socket, the
// CLI through the admin socket, tools on `server.repositories`) is recorded here after its
// durable outcome: the server's `repositories.accounts` is `trackedAccounts`, which does it.
// In a cluster, the creates and deletes of the other nodes will reach it over NATS (issue 23).

import type { AccountRepository } from "../storage/repositories/AccountRepository.js"
import { failed, type Outcome } from "../storage/repositories/Outcome.js"

/** The usernames of the local accounts, in memory. */
export class AccountDirectory {
  private readonly names: Set<string>
  /** Learns this server's own creates and deletes (a cluster node tells the others). */
  changed: ((username: string, exists: boolean) => void) | undefined = undefined

  constructor(usernames: Iterable<string> = []) {
    this.names = new Set(usernames)
  }

  /** True when `username` is an account. Example: `directory.has("juliet")`. */
  has(username: string): boolean {
    return this.names.has(username)
  }

  /** Records a created account. Example: `directory.created("juliet")`. */
  created(username: string): void {
    this.names.add(username)
    this.changed?.(username, true)
  }

  /** Records another cluster node's create or delete (not told again). */
  learned(username: string, exists: boolean): void {
    if (exists) this.names.add(username)
    else this.names.delete(username)
  }

  /** Records a deleted account. Example: `directory.deleted("juliet")`. */
  deleted(username: string): void {
    this.names.delete(username)
    this.changed?.(username, false)
  }
}

/**
 * The directory of every account in `accounts`, or the storage failure.
 * Example: `const directory = await loadAccountDirectory(repositories.accounts)`.
 */
export const loadAccountDirectory = async (
  accounts: AccountRepository,
): Promise<Outcome<AccountDirectory>> => {
  const usernames = await accounts.usernames()
  return failed(usernames) ? usernames : new AccountDirectory(usernames)
}

/**
 * `accounts` that record in `directory` every account they create or delete, once durable.
 * Example: `const accounts = trackedAccounts(backend.accounts, directory)`.
 */
export const trackedAccounts = (
  accounts: AccountRepository,
  directory: AccountDirectory,
): AccountRepository => ({
  get: (username) => accounts.get(username),
  setCredentials: (user) => accounts.setCredentials(user),
  usernames: () => accounts.usernames(),
  count: () => accounts.count(),
  create: async (user) => {
    const created = await accounts.create(user)
    if (created === true) directory.created(user.username)
    return created
  },
  createMany: async (users) => {
    const outcome = await accounts.createMany(users)
    if (!failed(outcome)) for (const username of outcome.created) directory.created(username)
    return outcome
  },
  delete: async (username) => {
    const deleted = await accounts.delete(username)
    if (!failed(deleted)) directory.deleted(username)
    return deleted
  },
})
