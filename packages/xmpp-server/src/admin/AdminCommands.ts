// What the admin commands do inside the running server, whatever carried them (the admin
// socket today, NATS in a cluster), each answered once durable: `adduser` creates the account
// (and the server's account directory learns it at once); `deluser` ends the account's streams with
// `not-authorized` and deletes it; `passwd` sets the new password and, with `logout`, ends the
// streams with `reset` so that clients log in again (RFC 6120 §4.9.3.12, §4.9.3.17; the
// conditions Prosody sends for the same events). Without `logout` open sessions stay and new
// logins need the new password.
import { AccountError, addUser, changePassword, deleteUser, usernameOf } from "../auth/accounts.js"
import type { ServerCore } from "../core/ServerCore.js"
import { failed } from "../storage/repositories/Outcome.js"
import { StorageError } from "../storage/Storage.js"
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

const perform = async (core: ServerCore, request: AdminRequest): Promise<AdminResponse> => {
  const { accounts } = core.repositories
  if (request.command === "accounts-changed") {
    // Additive: an account this server deletes meanwhile stays deleted in the directory.
    const usernames = await accounts.usernames()
    if (failed(usernames)) throw usernames
    for (const known of usernames) core.accounts.created(known)
    return carriedOut(request, core, "", 0)
  }
  const username = usernameOf(request.jid, core.domain)
  const bare = `${username}@${core.domain}`
  if (request.command === "adduser") {
    await addUser(accounts, core.domain, request.jid, request.password)
    return carriedOut(request, core, username, 0)
  }
  if (request.command === "deluser") {
    const found = await accounts.get(username)
    if (failed(found)) throw found
    if (found === undefined) throw new AccountError("not-found", `there is no account ${bare}`)
    // Streams first, in the same turn as the deletion starts: no stanza of theirs is processed
    // any more. What is left of their ending runs once their sockets closed; the account is
    // gone from the directory by then, so messages they had not acknowledged bounce to their
    // senders (and it is back in the directory if the deletion fails).
    const ended = endAccountStreams(core, bare, {
      condition: "not-authorized",
      text: "account deleted",
    })
    core.accounts.deleted(username)
    try {
      await deleteUser(accounts, core.domain, request.jid)
    } catch (error) {
      if (!(error instanceof AccountError)) core.accounts.created(username)
      throw error
    }
    core.rosters.forget(username)
    return carriedOut(request, core, username, ended)
  }
  await changePassword(accounts, core.domain, request.jid, request.password)
  const ended = request.logout
    ? endAccountStreams(core, bare, { condition: "reset", text: "password changed" })
    : 0
  return carriedOut(request, core, username, ended)
}

/** Carries out one request once durable; every failure is an answer with a reason, never a rejection. */
export const runAdminCommand = async (
  core: ServerCore,
  request: AdminRequest,
): Promise<AdminResponse> => {
  try {
    const response = await perform(core, request)
    core.logger.info("admin-command", {
      command: request.command,
      account: "jid" in request ? request.jid : undefined,
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
    const message =
      error instanceof StorageError ? `storage failed: ${error.message}` : String(error)
    return adminFailure(request.id, "internal-error", message)
  }
}
