// What the admin commands do inside the running server, whatever carried them (the admin
// socket today, NATS in a cluster): `deluser` ends the account's streams with
// `not-authorized` and deletes it; `passwd` sets the new password and, with `logout`, ends the
// streams with `reset` so that clients log in again (RFC 6120 §4.9.3.12, §4.9.3.17; the
// conditions Prosody sends for the same events). Without `logout` open sessions stay and new
// logins need the new password.
import { AccountError, changePassword, deleteUser, usernameOf } from "../auth/accounts.js"
import type { ServerCore } from "../core/ServerCore.js"
import { endAccountStreams } from "./AccountSessions.js"
import {
  type AdminRequest,
  type AdminResponse,
  adminFailure,
  adminProtocolVersion,
} from "./AdminProtocol.js"

const carriedOut = (request: AdminRequest, core: ServerCore, username: string, ended: number) =>
  ({
    version: adminProtocolVersion,
    ...(request.id === undefined ? {} : { id: request.id }),
    ok: true,
    result: {
      username,
      sessions_ended: ended,
      sessions_open: core.sessions.countOf(`${username}@${core.domain}`),
    },
  }) as const

const perform = (core: ServerCore, request: AdminRequest): AdminResponse => {
  const username = usernameOf(request.jid, core.domain)
  const bare = `${username}@${core.domain}`
  if (request.command === "deluser") {
    if (core.storage.users.get(username) === undefined)
      throw new AccountError("not-found", `there is no account ${bare}`)
    // Streams first, in the same turn as the deletion: no stanza of theirs is processed any
    // more. What is left of their ending runs once their sockets closed, when the account is
    // gone: messages they had not acknowledged bounce to their senders.
    const ended = endAccountStreams(core, bare, {
      condition: "not-authorized",
      text: "account deleted",
    })
    deleteUser(core.storage, core.domain, request.jid)
    core.rosters.forget(username)
    return carriedOut(request, core, username, ended)
  }
  changePassword(core.storage, core.domain, request.jid, request.password)
  const ended = request.logout
    ? endAccountStreams(core, bare, { condition: "reset", text: "password changed" })
    : 0
  return carriedOut(request, core, username, ended)
}

/** Carries out one request; every failure is an answer with a reason, never a throw. */
export const runAdminCommand = (core: ServerCore, request: AdminRequest): AdminResponse => {
  try {
    const response = perform(core, request)
    core.logger.info("admin-command", {
      command: request.command,
      account: request.jid,
      ...(response.ok ? { sessions_ended: response.result.sessions_ended } : {}),
    })
    return response
  } catch (error) {
    if (error instanceof AccountError) {
      // `invalid-line` belongs to `adduser --from-file`, which the admin socket does not take.
      const reason = error.reason === "invalid-line" ? "bad-request" : error.reason
      return adminFailure(request.id, reason, error.message)
    }
    core.logger.error("admin-command-failed", { command: request.command, error })
    return adminFailure(request.id, "internal-error", String(error))
  }
}
