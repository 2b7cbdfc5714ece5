// RFC 6121 §3: carries subscription stanzas between local accounts — the sender's side
// (outbound, with roster push), then the recipient's side (inbound: roster push, delivery
// or storage of the request, auto-reply, and the presence exchange on approval/cancel).
// Subscriptions to other domains are dropped: the server has no server-to-server links.
// An offline contact's roster is read (once, then kept in memory) before its side runs.
import type { ServerCore } from "../core/ServerCore.js"
import type { Jid } from "../jid/Jid.js"
import { rosterFull, rosterFullCondition, rosterFullText } from "../roster/RosterLimit.js"
import { saveAndPush } from "../roster/RosterPush.js"
import { withRoster } from "../roster/WithRoster.js"
import { errorReply } from "../routing/StanzaError.js"
import type { Session } from "../session/Session.js"
import type { RosterItem } from "../storage/Storage.js"
import { NS_CLIENT } from "../stream/Namespaces.js"
import { serialize, type XmlElement, xml } from "../xml/Xml.js"
import { presenceToAccount } from "./SessionPresence.js"
import {
  applyInbound,
  applyOutbound,
  autoApproves,
  type SubscriptionOutcome,
  type SubscriptionType,
} from "./Subscription.js"

/** True when the outcome stores an item for a contact not in the roster yet. */
const addsItem = (before: RosterItem | undefined, outcome: SubscriptionOutcome): boolean =>
  before === undefined && outcome.changed && outcome.item !== undefined

const localUser = (core: ServerCore, bare: string): string | undefined => {
  const suffix = `@${core.domain}`
  if (!bare.endsWith(suffix)) return undefined
  const username = bare.slice(0, -suffix.length)
  return core.accounts.has(username) ? username : undefined
}

/** Sends the presence of every available session of `from` to the available sessions of `to`. */
const exchangePresence = (
  core: ServerCore,
  from: string,
  to: string,
  type: "available" | "unavailable",
): void => {
  for (const session of core.sessions.ofBare(from)) {
    if (!session.available) continue
    const presence =
      type === "available" && session.presence !== undefined
        ? session.presence
        : xml("presence", {
            xmlns: NS_CLIENT,
            from: session.full,
            type: type === "available" ? undefined : "unavailable",
          })
    presenceToAccount(core, to, presence)
  }
}

/** The inbound side: `type` from `senderBare` arrives for the local account `recipientBare`. */
export const sendSubscriptionToContact = (
  core: ServerCore,
  senderBare: string,
  recipientBare: string,
  type: SubscriptionType,
  original?: XmlElement,
): void => {
  const username = localUser(core, recipientBare)
  if (username === undefined) return
  const stanza = xml(
    "presence",
    { xmlns: NS_CLIENT, from: senderBare, to: recipientBare, type },
    original?.getChildElements(),
  )
  // The contact may be offline with a roster not in memory: read once, in order per contact.
  withRoster(
    core,
    username,
    () => receiveSubscription(core, username, senderBare, recipientBare, type, stanza),
    () => {
      const error = errorReply(stanza, "internal-server-error", {
        type: "wait",
        text: "the contact's roster could not be read; try again later",
      })
      if (error !== undefined) presenceToAccount(core, senderBare, error)
    },
  )
}

/** The inbound side once the recipient's roster is in memory. */
const receiveSubscription = (
  core: ServerCore,
  username: string,
  senderBare: string,
  recipientBare: string,
  type: SubscriptionType,
  stanza: XmlElement,
): void => {
  const before = core.rosters.get(username, senderBare)
  if (type === "subscribe" && autoApproves(before)) {
    sendSubscriptionToContact(core, recipientBare, senderBare, "subscribed")
    return
  }
  const outcome = applyInbound(before, senderBare, type, serialize(stanza))
  if (addsItem(before, outcome) && rosterFull(core, username, senderBare)) {
    // The request would be a new (hidden) item of a full roster: the sender learns why.
    const error = errorReply(stanza, rosterFullCondition, { text: rosterFullText(core) })
    if (error !== undefined) presenceToAccount(core, senderBare, error)
    return
  }
  if (outcome.changed) saveAndPush(core, username, before, outcome.item, senderBare)
  if (outcome.forward) presenceToAccount(core, recipientBare, stanza)
  if (outcome.changed && type === "subscribed")
    exchangePresence(core, senderBare, recipientBare, "available")
  if (outcome.changed && type === "unsubscribe")
    exchangePresence(core, recipientBare, senderBare, "unavailable")
  if (outcome.changed && type === "unsubscribed")
    exchangePresence(core, senderBare, recipientBare, "unavailable")
}

/** The outbound side: the user's session sends `type` to `to`. */
export const handleOutboundSubscription = (
  core: ServerCore,
  session: Session,
  stanza: XmlElement,
  to: Jid,
  type: SubscriptionType,
): void => {
  const contact = to.bare
  if (contact === session.bare) return
  const before = core.rosters.get(session.username, contact)
  const outcome = applyOutbound(before, contact, type)
  if (addsItem(before, outcome) && rosterFull(core, session.username, contact)) {
    const error = errorReply(stanza, rosterFullCondition, {
      from: contact,
      text: rosterFullText(core),
    })
    if (error !== undefined) session.send(error)
    return
  }
  if (outcome.changed) saveAndPush(core, session.username, before, outcome.item, contact)
  if (!outcome.forward || to.domain !== core.domain) return
  sendSubscriptionToContact(core, session.bare, contact, type, stanza)
}
