// Account administration on the storage service (spec/server.md "Running it": adduser,
// deluser, passwd): takes a bare JID, checks it belongs to the served domain, and stores
// SCRAM credentials (RFC 5802) made from the password. Used by the CLI and the benchmark.
import type { StorageShape } from "../storage/Storage.js"
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

/** Creates the account for `jid`; returns its username. Throws `AccountError` ("exists", …). */
export const addUser = (
  storage: StorageShape,
  domain: string,
  jid: string,
  password: string,
  iterations?: number,
): string => {
  const username = usernameOf(jid, domain)
  if (!storage.users.create(recordFor(username, password, iterations))) {
    throw new AccountError("exists", `${username}@${domain} exists already`)
  }
  return username
}

/** Deletes the account for `jid` and everything stored for it. Throws `AccountError`. */
export const deleteUser = (storage: StorageShape, domain: string, jid: string): string => {
  const username = usernameOf(jid, domain)
  if (!storage.users.delete(username)) {
    throw new AccountError("not-found", `there is no account ${username}@${domain}`)
  }
  return username
}

/** Replaces the password of `jid` (new salts too). Throws `AccountError`. */
export const changePassword = (
  storage: StorageShape,
  domain: string,
  jid: string,
  password: string,
  iterations?: number,
): string => {
  const username = usernameOf(jid, domain)
  if (!storage.users.setCredentials(recordFor(username, password, iterations))) {
    throw new AccountError("not-found", `there is no account ${username}@${domain}`)
  }
  return username
}
