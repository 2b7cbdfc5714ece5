// RFC 6121 §8.5: where a message to a local or remote JID goes. Pure lookups, no writes:
// the result is shown to modules before the router carries it out.
import type { ServerCore } from "../core/ServerCore.js"
import type { Jid } from "../jid/Jid.js"
import type { Session } from "../session/Session.js"
import type { RouteDecision } from "./RouteDecision.js"

const dropped = (
  reason: "no-available-session" | "unknown-user" | "invalid-recipient",
): RouteDecision => ({
  kind: "none",
  reason,
  bounce: undefined,
})

const unavailable = (
  reason: "no-available-session" | "unknown-user" | "invalid-recipient",
): RouteDecision => ({
  kind: "none",
  reason,
  bounce: "service-unavailable",
})

/**
 * RFC 6121 §8.5.2.1.1: the available resources with the highest non-negative priority
 * (every non-negative one when `all`, as for headlines).
 */
export const availableSessions = (
  sessions: ReadonlyArray<Session>,
  all: boolean,
): ReadonlyArray<Session> => {
  let best = -1
  for (const session of sessions)
    if (session.available && session.priority > best) best = session.priority
  if (best < 0) return []
  return sessions.filter(
    (session) => session.available && session.priority >= 0 && (all || session.priority === best),
  )
}

/** True when `username` is a local account (online, or in the account directory). */
export const accountExists = (core: ServerCore, bare: string, username: string): boolean =>
  core.sessions.countOf(bare) > 0 || core.accounts.has(username)

/** The routing decision for a message of `type` to `to`. */
export const decideMessage = (
  core: ServerCore,
  to: Jid,
  type: string | undefined,
): RouteDecision => {
  const isError = type === "error"
  if (to.domain !== core.domain)
    return {
      kind: "none",
      reason: "remote-domain",
      bounce: isError ? undefined : "remote-server-not-found",
    }
  if (to.local === undefined)
    return isError ? dropped("invalid-recipient") : unavailable("invalid-recipient")
  if (!accountExists(core, to.bare, to.local))
    return isError || type === "headline" ? dropped("unknown-user") : unavailable("unknown-user")
  if (to.resource !== undefined) {
    const session = core.sessions.get(to.bare, to.resource)
    if (session !== undefined) return { kind: "sessions", sessions: [session], match: "exact" }
    if (type === "groupchat") return unavailable("no-available-session")
  }
  if (isError) return dropped("no-available-session")
  if (type === "groupchat") return unavailable("no-available-session")
  const headline = type === "headline"
  const sessions = availableSessions(core.sessions.ofBare(to.bare), headline)
  if (sessions.length > 0) return { kind: "sessions", sessions, match: "other" }
  return headline ? dropped("no-available-session") : unavailable("no-available-session")
}
