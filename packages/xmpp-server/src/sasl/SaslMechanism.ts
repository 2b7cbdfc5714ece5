// RFC 6120 §6 / RFC 4422: the server side of one SASL exchange, mechanism-independent.
// A mechanism consumes the client's messages and answers with the next step.
import { normalizeUsername, saslPrep } from "../auth/credentials.js"
import type { StorageShape } from "../storage/Storage.js"

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

/** What a mechanism needs: the user store, the server's domain, the fake-salt secret. */
export interface SaslContext {
  readonly storage: StorageShape
  readonly domain: string
  /** The persisted secret behind unknown users' SCRAM salts (FakeSaltSecret.ts); may throw. */
  readonly fakeSaltSecret: () => Buffer
}

/** A mechanism: its IANA name and how to start an exchange. */
export interface SaslMechanism {
  readonly name: string
  start(context: SaslContext): SaslExchange
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
