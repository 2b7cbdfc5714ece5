// The admin protocol between the CLI and the running server (spec/server.md "Running it"): one
// JSON object per line each way over the admin socket (src/admin/AdminSocket.ts), one answer
// per request, in order. Every message carries `version`; a server answers a version it does
// not speak with `unsupported-version` and the versions it does. This file only declares and
// checks messages: no socket, so a cluster can carry the same messages over NATS.

/** The protocol version this code speaks. */
export const adminProtocolVersion = 1

/** The longest request line the server reads (bytes); a longer one is refused. */
export const maxAdminLineBytes = 64 * 1024

/** `adduser`: create the account (the running server routes to it at once). */
export interface AddUserRequest {
  readonly command: "adduser"
  readonly jid: string
  readonly password: string
}

/**
 * `accounts-changed`: accounts were created in the database by another process (`adduser
 * --from-file` while the server runs): the server re-reads which accounts exist.
 */
export interface AccountsChangedRequest {
  readonly command: "accounts-changed"
}

/** `deluser`: delete the account, end its sessions at once. */
export interface DeleteUserRequest {
  readonly command: "deluser"
  readonly jid: string
}

/** `passwd`: set a new password; `logout` also ends the account's open sessions. */
export interface ChangePasswordRequest {
  readonly command: "passwd"
  readonly jid: string
  readonly password: string
  readonly logout: boolean
}

/** A request, e.g. `{"version":1,"id":"1","command":"deluser","jid":"eve@localhost"}`. */
export type AdminRequest = (
  | AddUserRequest
  | AccountsChangedRequest
  | DeleteUserRequest
  | ChangePasswordRequest
) & {
  readonly version: number
  /** Echoed in the answer (optional; lets a caller match answers to requests). */
  readonly id?: string
}

/** Why a request failed: the account errors of src/auth/accounts.ts, or a protocol error. */
export type AdminFailureReason =
  | "invalid-jid"
  | "wrong-domain"
  | "invalid-password"
  | "exists"
  | "not-found"
  | "bad-request"
  | "unsupported-version"
  | "internal-error"

/** What a request did: the account's username and how many of its sessions were ended. */
export interface AdminResult {
  /** The account's username ("" for `accounts-changed`). */
  readonly username: string
  readonly sessions_ended: number
  /** Sessions still open afterwards (`passwd` without `logout` leaves them). */
  readonly sessions_open: number
}

/** An answer, e.g. `{"version":1,"ok":true,"result":{"username":"eve",...}}`. */
export type AdminResponse =
  | {
      readonly version: number
      readonly id?: string
      readonly ok: true
      readonly result: AdminResult
    }
  | {
      readonly version: number
      readonly id?: string
      readonly ok: false
      readonly error: {
        readonly reason: AdminFailureReason
        readonly message: string
        /** With `unsupported-version`: the versions the server speaks. */
        readonly supported?: ReadonlyArray<number>
      }
    }

/** A failed answer to the request `id`. */
export const adminFailure = (
  id: string | undefined,
  reason: AdminFailureReason,
  message: string,
): AdminResponse => ({
  version: adminProtocolVersion,
  ...(id === undefined ? {} : { id }),
  ok: false,
  error:
    reason === "unsupported-version"
      ? { reason, message, supported: [adminProtocolVersion] }
      : { reason, message },
})

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Reads one request line: the request, or the failed answer to send back. */
export const parseAdminRequest = (line: string): AdminRequest | AdminResponse => {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return adminFailure(undefined, "bad-request", "a request is one JSON object per line")
  }
  if (!isRecord(value)) return adminFailure(undefined, "bad-request", "expected a JSON object")
  const id = typeof value.id === "string" ? value.id : undefined
  if (value.version !== adminProtocolVersion)
    return adminFailure(
      id,
      "unsupported-version",
      `this server speaks admin protocol version ${adminProtocolVersion}, got ${JSON.stringify(value.version)}`,
    )
  const common = { version: adminProtocolVersion, ...(id === undefined ? {} : { id }) }
  if (value.command === "accounts-changed") return { ...common, command: "accounts-changed" }
  if (typeof value.jid !== "string")
    return adminFailure(id, "bad-request", '"jid" must be a string')
  switch (value.command) {
    case "adduser":
      if (typeof value.password !== "string")
        return adminFailure(id, "bad-request", '"password" must be a string')
      return { ...common, command: "adduser", jid: value.jid, password: value.password }
    case "deluser":
      return { ...common, command: "deluser", jid: value.jid }
    case "passwd":
      if (typeof value.password !== "string")
        return adminFailure(id, "bad-request", '"password" must be a string')
      if (value.logout !== undefined && typeof value.logout !== "boolean")
        return adminFailure(id, "bad-request", '"logout" must be true or false')
      return {
        ...common,
        command: "passwd",
        jid: value.jid,
        password: value.password,
        logout: value.logout === true,
      }
    default:
      return adminFailure(
        id,
        "bad-request",
        `unknown command ${JSON.stringify(value.command)} (expected "adduser", "accounts-changed", "deluser" or "passwd")`,
      )
  }
}

/** True for a parsed request, false for a failed answer. */
export const isAdminRequest = (value: AdminRequest | AdminResponse): value is AdminRequest =>
  "command" in value
