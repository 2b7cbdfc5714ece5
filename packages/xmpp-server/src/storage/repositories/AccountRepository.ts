// Accounts with their SCRAM keys (RFC 5802) in either backend: what SASL, in-band
// registration, the admin commands and the CLI (`adduser`, `deluser`) ask of storage.
import type { UserRecord } from "../Storage.js"
import type { Outcome } from "./Outcome.js"

/** What `createMany` did: the usernames it created and those that existed already. */
export interface CreatedAccounts {
  readonly created: ReadonlyArray<string>
  readonly existing: ReadonlyArray<string>
}

/** The local accounts. Every answer is durable when its promise resolves. */
export interface AccountRepository {
  /**
   * Creates the account; false when it exists already.
   * Example: `await accounts.create(createUserRecord("juliet", "secret"))`.
   */
  create(user: UserRecord): Promise<Outcome<boolean>>
  /**
   * Creates every account that does not exist yet, all in one transaction: on a failure none
   * is created. Existing accounts keep their keys. Example: `await accounts.createMany(records)`.
   */
  createMany(users: ReadonlyArray<UserRecord>): Promise<Outcome<CreatedAccounts>>
  /** The account, or undefined. Example: `await accounts.get("juliet")`. */
  get(username: string): Promise<Outcome<UserRecord | undefined>>
  /** Replaces the SCRAM keys; false when there is no such user. Example: `await accounts.setCredentials(user)`. */
  setCredentials(user: UserRecord): Promise<Outcome<boolean>>
  /**
   * Deletes the account and everything stored for it (roster, offline messages, archive,
   * preferences, XEP-0198 pending rows, push registrations); false when absent.
   * Example: `await accounts.delete("juliet")`.
   */
  delete(username: string): Promise<Outcome<boolean>>
  /** Every account's username, in no particular order. Example: `await accounts.usernames()`. */
  usernames(): Promise<Outcome<ReadonlyArray<string>>>
  /** How many accounts exist. Example: `await accounts.count()`. */
  count(): Promise<Outcome<number>>
}
