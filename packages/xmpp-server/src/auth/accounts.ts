// Account administration on the account repository of any backend (spec/server.md "Running
// it": adduser, deluser, passwd): takes a bare JID, checks it belongs to the served domain, and
// stores SCRAM credentials (RFC 5802) made from the password. Used by in-band registration, the
// admin commands, the CLI and the benchmark. Each resolves once the change is durable.
import type { AccountRepository } from "../storage/repositories/AccountRepository.js"
import { failed, type Outcome } from "../storage/repositories/Outcome.js"
import type { UserRecord } from "../storage/Storage.js"
import { createUserRecord, normalizeUsername, SaslPrepError } from "./credentials.js"

/** Why an account command failed. */
export class AccountError extends Error {
  readonly _tag = "AccountError"
  constructor(
    readonly reason:
      | "invalid-jid"
      | "wrong-domain"
      | "invalid-password"
      | "exists"
      | "not-found"
      | "invalid-line",
    message: string,
  ) {
    super(message)
  }
}

/**
 * The normalised username of `jid` (`user@domain`, no resource) when `domain` serves it.
 * Throws `AccountError`. Example: `usernameOf("Juliet@localhost", "localhost") === "juliet"`.
 */
export const usernameOf = (jid: string, domain: string): string => {
  const at = jid.lastIndexOf("@")
  if (at <= 0 || jid.includes("/")) {
    throw new AccountError("invalid-jid", `expected a bare JID like user@${domain}, got "${jid}"`)
  }
  const username = normalizeUsername(jid.slice(0, at))
  if (username === undefined) {
    throw new AccountError("invalid-jid", `"${jid.slice(0, at)}" is not a valid username`)
  }
  const jidDomain = jid.slice(at + 1).toLowerCase()
  if (jidDomain !== domain.toLowerCase()) {
    throw new AccountError(
      "wrong-domain",
      `this server serves "${domain}", not "${jidDomain}" (set server.domain in the config)`,
    )
  }
  return username
}

const recordFor = (username: string, password: string, iterations: number | undefined) => {
  if (password === "") throw new AccountError("invalid-password", "the password must not be empty")
  try {
    return createUserRecord(username, password, iterations)
  } catch (error) {
    if (error instanceof SaslPrepError) {
      throw new AccountError("invalid-password", `unusable password: ${error.message}`)
    }
    throw error
  }
}

/** The value of `outcome`; throws its `StorageError` when it failed. */
const stored = <A>(outcome: Outcome<A>): A => {
  if (failed(outcome)) throw outcome
  return outcome
}

/**
 * The account record for `jid` with `password`, checked and derived (SCRAM keys) but not
 * stored. Throws `AccountError`. Example: `newAccount("localhost", "juliet@localhost", "s3cret")`.
 */
export const newAccount = (
  domain: string,
  jid: string,
  password: string,
  iterations?: number,
): UserRecord => recordFor(usernameOf(jid, domain), password, iterations)

/**
 * Stores the new account `record`; returns its username. Rejects with `AccountError`
 * ("exists") or the `StorageError`. Example: `await storeAccount(accounts, "localhost", record)`.
 */
export const storeAccount = async (
  accounts: AccountRepository,
  domain: string,
  record: UserRecord,
): Promise<string> => {
  if (!stored(await accounts.create(record)))
    throw new AccountError("exists", `${record.username}@${domain} exists already`)
  return record.username
}

/** Creates the account for `jid`; resolves with its username. Rejects with `AccountError` ("exists", …) or `StorageError`. */
export const addUser = (
  accounts: AccountRepository,
  domain: string,
  jid: string,
  password: string,
  iterations?: number,
): Promise<string> => {
  let record: UserRecord
  try {
    record = newAccount(domain, jid, password, iterations)
  } catch (error) {
    return Promise.reject(error)
  }
  return storeAccount(accounts, domain, record)
}

/** Deletes the account for `jid` and everything stored for it. Rejects with `AccountError` or `StorageError`. */
export const deleteUser = async (
  accounts: AccountRepository,
  domain: string,
  jid: string,
): Promise<string> => {
  const username = usernameOf(jid, domain)
  if (!stored(await accounts.delete(username))) {
    throw new AccountError("not-found", `there is no account ${username}@${domain}`)
  }
  return username
}

/** Replaces the password of `jid` (new salts too). Rejects with `AccountError` or `StorageError`. */
export const changePassword = async (
  accounts: AccountRepository,
  domain: string,
  jid: string,
  password: string,
  iterations?: number,
): Promise<string> => {
  const username = usernameOf(jid, domain)
  if (!stored(await accounts.setCredentials(recordFor(username, password, iterations)))) {
    throw new AccountError("not-found", `there is no account ${username}@${domain}`)
  }
  return username
}
