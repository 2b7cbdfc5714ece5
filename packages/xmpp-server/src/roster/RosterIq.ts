// RFC 6121 §2: roster get (§2.2), set (§2.3) and remove (§2.5), with pushes to the
// account's interested sessions. Roster versioning (§2.6) is not offered. The session's roster
// is in memory (loaded when it bound, src/roster/Rosters.ts); a set or remove changes it at
// once and is committed with the other roster writes of the event-loop turn: the result and
// the pushes go out, and the XEP-0198 ack of the set is released, only once the change is
// durable (issue 25 item 2). A roster that cannot be read answers `internal-server-error`.
import type { ServerCore } from "../core/ServerCore.js"
import { parseJid } from "../jid/Jid.js"
import { emptyItem, isHidden } from "../presence/Subscription.js"
import { sendSubscriptionToContact } from "../presence/SubscriptionRouter.js"
import { errorReply, iqResult } from "../routing/StanzaError.js"
import type { Session } from "../session/Session.js"
import type { RosterChange } from "../storage/RosterWriteBatch.js"
import { NS_ROSTER } from "../stream/Namespaces.js"
import { type XmlElement, xml } from "../xml/Xml.js"
import { rosterFull, rosterFullCondition, rosterFullText } from "./RosterLimit.js"
import { pushItem } from "./RosterPush.js"
import { rosterResultText } from "./RosterText.js"
import { rosterItemXml } from "./RosterXml.js"
import { withRoster } from "./WithRoster.js"

const fail = (iq: XmlElement, condition: string, text: string): XmlElement =>
  errorReply(iq, condition, { text }) ?? iq

/**
 * Answers a roster IQ from the account's own session: "answered" once the reply was sent, or
 * will be once the roster is read or the change is durable.
 */
export const handleRosterIq = (
  core: ServerCore,
  session: Session,
  iq: XmlElement,
): XmlElement | "answered" => {
  if (core.rosters.ready(session.username)) return answerRosterIq(core, session, iq)
  // Not cached (its load at bind failed, or it is being read again): wait for it.
  withRoster(
    core,
    session.username,
    () => {
      const reply = answerRosterIq(core, session, iq)
      if (reply !== "answered") session.send(reply)
    },
    () => {
      const error = errorReply(iq, "internal-server-error", {
        type: "wait",
        text: "the roster could not be read; try again later",
      })
      if (error !== undefined) session.send(error)
    },
  )
  return "answered"
}

const answerRosterIq = (
  core: ServerCore,
  session: Session,
  iq: XmlElement,
): XmlElement | "answered" => {
  const query = iq.getChild("query", NS_ROSTER)
  if (query === undefined)
    return fail(iq, "bad-request", "expected <query xmlns='jabber:iq:roster'/>")
  if (iq.attrs.type === "get") {
    session.rosterRequested = true
    const items = core.rosters.list(session.username)
    // Written as text: thousands of items as elements cost tens of milliseconds.
    session.sendSerialized(iqResult(iq), rosterResultText(iq, items))
    return "answered"
  }
  const items = query.getChildren("item")
  const element = items[0]
  if (items.length !== 1 || element === undefined)
    return fail(iq, "bad-request", "a roster set holds exactly one item")
  const contact = parseJid(element.attrs.jid ?? "")
  if (contact === undefined || contact.resource !== undefined)
    return fail(iq, "bad-request", "the item needs a bare JID")
  const existing = core.rosters.get(session.username, contact.bare)
  if (element.attrs.subscription === "remove") {
    if (existing === undefined) return fail(iq, "item-not-found", "no such roster item")
    removeItem(core, session, contact.bare)
    commitThenAnswer(core, session, iq, { kind: "remove", contact: contact.bare })
    return "answered"
  }
  const groups = element.getChildren("group").map((group) => group.text())
  if (groups.some((group) => group === "") || new Set(groups).size !== groups.length)
    return fail(iq, "not-acceptable", "groups must be non-empty and distinct")
  if (existing === undefined && rosterFull(core, session.username, contact.bare))
    return fail(iq, rosterFullCondition, rosterFullText(core))
  const name = element.attrs.name === "" ? undefined : element.attrs.name
  const item = { ...(existing ?? emptyItem(contact.bare)), name, groups }
  commitThenAnswer(core, session, iq, { kind: "put", item })
  return "answered"
}

/**
 * What to push for `contact` once a change is durable: the item as it is now, since a
 * subscription change of the same turn may have changed it since and was pushed at once (a push
 * of the older state would arrive after it and undo it on the clients).
 */
const currentPush = (
  core: ServerCore,
  username: string,
  change: RosterChange,
  contact: string,
): XmlElement => {
  const item = core.rosters.get(username, contact)
  return item === undefined || (change.kind === "remove" && isHidden(item))
    ? xml("item", { jid: contact, subscription: "remove" })
    : rosterItemXml(item)
}

/**
 * Queues `change`; once it is durable, answers `iq` and pushes the item to the interested
 * sessions (or answers with an error when the commit failed: nothing is pushed then).
 */
const commitThenAnswer = (
  core: ServerCore,
  session: Session,
  iq: XmlElement,
  change: RosterChange,
): void => {
  const contact = change.kind === "put" ? change.item.jid : change.contact
  const handedOn = core.sm.current?.begin()
  core.rosters.write(session.username, change, (outcome) => {
    if (outcome.ok) {
      session.send(iqResult(iq))
      pushItem(core, session.bare, currentPush(core, session.username, change, contact))
    } else {
      core.logger.error("roster-write-failed", { user: session.username, error: outcome.error })
      session.send(fail(iq, "internal-server-error", "the roster could not be saved"))
    }
    handedOn?.()
  })
}

/** RFC 6121 §2.5.2: cancel both directions of the subscription before the item is deleted. */
const removeItem = (core: ServerCore, session: Session, contact: string): void => {
  const item = core.rosters.get(session.username, contact)
  if (item === undefined) return
  if (item.subscription === "to" || item.subscription === "both" || item.ask_out)
    sendSubscriptionToContact(core, session.bare, contact, "unsubscribe")
  if (item.subscription === "from" || item.subscription === "both" || item.pending_in !== undefined)
    sendSubscriptionToContact(core, session.bare, contact, "unsubscribed")
}
