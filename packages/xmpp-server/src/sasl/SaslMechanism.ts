// RFC 6120 §6 / RFC 4422: the server side of one SASL exchange, mechanism-independent.
// A mechanism consumes the client's messages and answers with the next step.
import { normalizeUsername, saslPrep } from "../auth/credentials.js"
import type { AccountRepository } from "../storage/repositories/AccountRepository.js"
import { failed } from "../storage/repositories/Outcome.js"
import type { UserRecord } from "../storage/Storage.js"

/** RFC 6120 §6.5 failure conditions the server uses. */
export type SaslFailureCondition =
  | "aborted"
  | "encryption-required"
  | "incorrect-encoding"
  | "invalid-authzid"
  | "invalid-mechanism"
  | "malformed-request"
  | "not-authorized"
  | "temporary-auth-failure"

/** The next step of an exchange. `data` is raw (not base64). */
export type SaslStep =
  | { readonly kind: "challenge"; readonly data: Buffer }
  | { readonly kind: "success"; readonly username: string; readonly data: Buffer | undefined }
  | {
      readonly kind: "failure"
      readonly condition: SaslFailureCondition
      readonly username: string | undefined
    }

/** One running exchange. `respond` gets the client's (decoded) initial response or response. */
export interface SaslExchange {
  respond(message: Buffer): SaslStep | Promise<SaslStep>
}

/** What a mechanism needs: the accounts, the server's domain, the fake-salt secret. */
export interface SaslContext {
  readonly accounts: AccountRepository
  readonly domain: string
  /** The persisted secret behind unknown users' SCRAM salts (FakeSaltSecret.ts); may throw. */
  readonly fakeSaltSecret: () => Buffer
}

/** A mechanism: its IANA name and how to start an exchange. */
export interface SaslMechanism {
  readonly name: string
  start(context: SaslContext): SaslExchange
}

/**
 * The account of `username` (read once per authentication), or undefined; rejects with the
 * `StorageError` when storage fails, which the negotiation answers with
 * `temporary-auth-failure`. Example: `const user = await accountOf(context, "juliet")`.
 */
export const accountOf = async (
  context: SaslContext,
  username: string,
): Promise<UserRecord | undefined> => {
  const user = await context.accounts.get(username)
  if (failed(user)) throw user
  return user
}

/** A failure step. */
export const saslFailure = (condition: SaslFailureCondition, username?: string): SaslStep => ({
  kind: "failure",
  condition,
  username,
})

/** SASLprep (RFC 4013) then localpart normalisation; undefined when either rejects the name. */
export const prepareUsername = (raw: string): string | undefined => {
  try {
    return normalizeUsername(saslPrep(raw))
  } catch {
    return undefined
  }
}

/** SASLprep of a password; undefined when it contains prohibited characters. */
export const preparePassword = (raw: string): string | undefined => {
  try {
    return saslPrep(raw)
  } catch {
    return undefined
  }
}
