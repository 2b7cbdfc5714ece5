// RFC 6121 §4: presence from a bound session — broadcast (no `to`), directed presence (with
// `to`, at most `[limits] max_directed_presences` targets tracked per session), subscription
// requests and answers (§3). Probes from clients are ignored (§4.3:
// only servers probe) and presence to other domains is dropped (no server-to-server links).
import type { ServerCore } from "../core/ServerCore.js"
import type { Jid } from "../jid/Jid.js"
import { errorReply } from "../routing/StanzaError.js"
import type { Session } from "../session/Session.js"
import type { XmlElement } from "../xml/Xml.js"
import {
  answerProbes,
  broadcastPresence,
  directedPresence,
  goUnavailable,
} from "./SessionPresence.js"
import { receivesPresence, type SubscriptionType } from "./Subscription.js"
import { handleOutboundSubscription } from "./SubscriptionRouter.js"

const subscriptionTypes = new Set<string>([
  "subscribe",
  "subscribed",
  "unsubscribe",
  "unsubscribed",
])

/** RFC 6121 §4.7.2.3: an integer from -128 to 127, 0 when absent or invalid. */
export const priorityOf = (presence: XmlElement): number => {
  const text = presence.getChildText("priority")
  if (text === null) return 0
  const value = Number(text.trim())
  return Number.isInteger(value) && value >= -128 && value <= 127 ? value : 0
}

/** True when `contact` gets the user's broadcasts anyway (no need to track directed presence). */
const isSubscriber = (core: ServerCore, session: Session, contact: string): boolean => {
  const item = core.rosters.get(session.username, contact)
  return item !== undefined && receivesPresence(item)
}

/** Handles presence from a session; `to` is undefined for a broadcast. */
export const handlePresence = (
  core: ServerCore,
  session: Session,
  presence: XmlElement,
  to: Jid | undefined,
): void => {
  const type = presence.attrs.type
  if (type !== undefined && subscriptionTypes.has(type)) {
    if (to !== undefined)
      handleOutboundSubscription(core, session, presence, to, type as SubscriptionType)
    return
  }
  if (type === "probe") return
  if (type !== undefined && type !== "unavailable" && type !== "error") return
  if (to === undefined) {
    if (type === "error") return
    if (type === "unavailable") {
      goUnavailable(core, session, presence)
      return
    }
    const initial = !session.available
    const wasHidden = session.priority < 0
    session.priority = priorityOf(presence)
    session.available = true
    session.presence = presence
    broadcastPresence(core, session, presence)
    if (initial) answerProbes(core, session)
    if (initial || (wasHidden && session.priority >= 0))
      for (const hook of core.modules.sessionAvailable) hook(session)
    return
  }
  if (to.domain !== core.domain || to.local === undefined) return
  if (type !== "error" && to.bare !== session.bare) {
    if (type === "unavailable") session.directedPresence.delete(to.full)
    else if (!isSubscriber(core, session, to.bare) && !tracked(core, session, presence, to.full))
      return
  }
  directedPresence(core, to.full, presence)
}

/**
 * Remembers a directed presence target (RFC 6121 §4.6.3: it gets unavailable when the session
 * ends). Past `[limits] max_directed_presences` targets the presence is not sent and the
 * session gets `<policy-violation/>` (type `modify`: a local limit, freed by sending
 * unavailable to a target, not by waiting); false then.
 */
const tracked = (
  core: ServerCore,
  session: Session,
  presence: XmlElement,
  target: string,
): boolean => {
  const targets = session.directedPresence
  const limit = core.config.limits.max_directed_presences
  if (targets.has(target) || targets.size < limit) {
    targets.add(target)
    return true
  }
  const error = errorReply(presence, "policy-violation", {
    type: "modify",
    text: `this session sent directed presence to ${limit} addresses (max_directed_presences); send unavailable to some first`,
  })
  if (error !== undefined) session.send(error)
  return false
}
