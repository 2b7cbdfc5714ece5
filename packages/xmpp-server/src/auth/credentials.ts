// Account credentials as salted SCRAM keys (RFC 5802 §3, RFC 7677 for SHA-256): the server
// stores StoredKey and ServerKey per hash and never the password. PLAIN logins are checked by
// deriving the keys again from the stored salt.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto"
import type { ScramCredentials, UserRecord } from "../storage/Storage.js"
import { normalizeUsername, SaslPrepError, saslPrep } from "./saslPrep.js"

export { normalizeUsername, SaslPrepError, saslPrep } from "./saslPrep.js"

/** The hashes the server offers SCRAM with. */
export type ScramHash = "sha1" | "sha256"

/** Iteration count for new credentials (RFC 7677 §4 asks for at least 4096). */
export const defaultIterations = 4096

const digestLength: Record<ScramHash, number> = { sha1: 20, sha256: 32 }

/** HMAC(key, data) with the SCRAM hash. */
export const hmac = (hash: ScramHash, key: Uint8Array, data: string | Uint8Array): Buffer =>
  createHmac(hash, key).update(data).digest()

/** H(data) with the SCRAM hash. */
export const digest = (hash: ScramHash, data: Uint8Array): Buffer =>
  createHash(hash).update(data).digest()

/** SaltedPassword := Hi(Normalize(password), salt, i) (RFC 5802 §3); `password` is SASLprep'd. */
export const saltedPassword = (
  hash: ScramHash,
  password: string,
  salt: Uint8Array,
  iterations: number,
): Buffer => pbkdf2Sync(saslPrep(password), salt, iterations, digestLength[hash], hash)

/**
 * Derives StoredKey and ServerKey for one hash from a password and salt (RFC 5802 §3).
 * Example: `deriveScramCredentials("sha1", "pencil", Buffer.from("QSXCR+Q6sek8bf92", "base64"), 4096)`.
 */
export const deriveScramCredentials = (
  hash: ScramHash,
  password: string,
  salt: Uint8Array,
  iterations: number,
): ScramCredentials => {
  const salted = saltedPassword(hash, password, salt, iterations)
  const clientKey = hmac(hash, salted, "Client Key")
  return {
    salt: Buffer.from(salt).toString("base64"),
    iterations,
    stored_key: digest(hash, clientKey).toString("base64"),
    server_key: hmac(hash, salted, "Server Key").toString("base64"),
  }
}

/** Thrown by `createUserRecord` when the username is not a valid localpart. */
export class InvalidUsernameError extends Error {
  readonly _tag = "InvalidUsernameError"
  constructor(readonly username: string) {
    super(`not a valid username (XMPP localpart): ${JSON.stringify(username)}`)
  }
}

/**
 * Builds the account record for `username` with SCRAM-SHA-1 and SCRAM-SHA-256 keys, each with
 * its own random 16-byte salt. Throws `InvalidUsernameError` or `SaslPrepError`.
 * Example: `await repositories.accounts.create(createUserRecord("juliet", "s3cret"))`.
 */
export const createUserRecord = (
  username: string,
  password: string,
  iterations: number = defaultIterations,
): UserRecord => {
  const normalized = normalizeUsername(username)
  if (normalized === undefined) throw new InvalidUsernameError(username)
  return {
    username: normalized,
    scram_sha_1: deriveScramCredentials("sha1", password, randomBytes(16), iterations),
    scram_sha_256: deriveScramCredentials("sha256", password, randomBytes(16), iterations),
  }
}

/**
 * Checks a password against stored credentials in constant time (for SASL PLAIN).
 * Returns false for a password SASLprep rejects. Example: `checkPassword(user, "s3cret")`.
 */
export const checkPassword = (user: UserRecord, password: string): boolean => {
  const stored = user.scram_sha_256
  let candidate: ScramCredentials
  try {
    candidate = deriveScramCredentials(
      "sha256",
      password,
      Buffer.from(stored.salt, "base64"),
      stored.iterations,
    )
  } catch (error) {
    if (error instanceof SaslPrepError) return false
    throw error
  }
  const expected = Buffer.from(stored.stored_key, "base64")
  const actual = Buffer.from(candidate.stored_key, "base64")
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}
