// RFC 6121 §4.2–§4.6: presence broadcast to the contacts that may see it and to the user's
// own available resources, answers to probes for local contacts on initial presence, and
// the unavailable broadcast when a session ends. Each recipient account gets one copy with
// `to` set to its bare JID. These loops run over a whole roster (up to `max_roster_items`
// contacts, issue 25 item 2), so a presence is serialized once and each copy only splices its
// `to` in (src/presence/PresenceText.ts).
import type { ServerCore } from "../core/ServerCore.js"
import type { Session } from "../session/Session.js"
import { NS_CLIENT } from "../stream/Namespaces.js"
import { type XmlElement, xml } from "../xml/Xml.js"
import { presenceText } from "./PresenceText.js"
import { receivesPresence, seesPresence } from "./Subscription.js"

/**
 * Writes `presence` to every available session of a local account — in a cluster, on every
 * node, or only on this one with `where = "this node"` (a survivor speaking for a dead node's
 * sessions, src/cluster/DeadNodePresence.ts).
 */
export const presenceToAccount = (
  core: ServerCore,
  bare: string,
  presence: XmlElement,
  where: "cluster" | "this node" = "cluster",
): void => {
  const sessions =
    where === "cluster" ? core.sessions.ofBare(bare) : core.sessions.ofBareLocal(bare)
  if (sessions.length === 0) return
  presence.attrs.to = bare
  const text = presenceText(presence, bare)
  for (const session of sessions) if (session.available) session.sendSerialized(presence, text)
}

/** Writes `presence` to one full JID (directed presence targets). */
const presenceToFullJid = (core: ServerCore, full: string, presence: XmlElement): void => {
  const slash = full.indexOf("/")
  if (slash === -1) {
    presenceToAccount(core, full, presence)
    return
  }
  const session = core.sessions.get(full.slice(0, slash), full.slice(slash + 1))
  if (session === undefined) return
  presence.attrs.to = full
  session.send(presence)
}

const isLocal = (core: ServerCore, bare: string): boolean => bare.endsWith(`@${core.domain}`)

/** RFC 6121 §4.2.2 / §4.4.2: broadcast to subscribers and to the user's own resources. */
export const broadcastPresence = (
  core: ServerCore,
  session: Session,
  presence: XmlElement,
): void => {
  for (const item of core.rosters.list(session.username))
    if (receivesPresence(item) && isLocal(core, item.jid) && item.jid !== session.bare)
      presenceToAccount(core, item.jid, presence)
  presenceToAccount(core, session.bare, presence)
}

/** RFC 6121 §4.2.3–§4.2.4: on initial presence, the presence of contacts and own resources. */
export const answerProbes = (core: ServerCore, session: Session): void => {
  const deliver = (other: Session): void => {
    if (other === session || !other.available || other.presence === undefined) return
    other.presence.attrs.to = session.full
    session.sendSerialized(other.presence, presenceText(other.presence, session.full))
  }
  for (const item of core.rosters.list(session.username)) {
    if (seesPresence(item) && isLocal(core, item.jid))
      for (const other of core.sessions.ofBare(item.jid)) deliver(other)
    if (item.pending_in !== undefined) {
      const request = xml("presence", {
        xmlns: NS_CLIENT,
        from: item.jid,
        to: session.bare,
        type: "subscribe",
      })
      session.sendSerialized(request, item.pending_in)
    }
  }
  for (const other of core.sessions.ofBare(session.bare)) deliver(other)
}

/** RFC 6121 §4.5.2 / §4.6.3: the session becomes unavailable; tell everyone who saw it. */
export const goUnavailable = (core: ServerCore, session: Session, presence: XmlElement): void => {
  broadcastPresence(core, session, presence)
  for (const target of session.directedPresence) presenceToFullJid(core, target, presence)
  session.directedPresence.clear()
  session.available = false
  session.presence = undefined
}

/** A session ended (closed, replaced or dropped): broadcast unavailable if it was available. */
export const sessionEnded = (core: ServerCore, session: Session): void => {
  const wasAvailable = session.available
  session.available = false
  if (!wasAvailable && session.directedPresence.size === 0) return
  const unavailable = xml("presence", { xmlns: NS_CLIENT, from: session.full, type: "unavailable" })
  if (wasAvailable) broadcastPresence(core, session, unavailable)
  for (const target of session.directedPresence) presenceToFullJid(core, target, unavailable)
  session.directedPresence.clear()
  session.presence = undefined
}

/** Directed presence (RFC 6121 §4.6) to a local full or bare JID. */
export const directedPresence = (core: ServerCore, target: string, presence: XmlElement): void =>
  presenceToFullJid(core, target, presence)
