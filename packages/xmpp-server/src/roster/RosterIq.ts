// RFC 6121 §2: roster get (§2.2), set (§2.3) and remove (§2.5), with pushes to the
// account's interested sessions. Roster versioning (§2.6) is not offered.
import type { ServerCore } from "../core/ServerCore.js"
import { parseJid } from "../jid/Jid.js"
import { emptyItem, isHidden } from "../presence/Subscription.js"
import { sendSubscriptionToContact } from "../presence/SubscriptionRouter.js"
import { errorReply, iqResult } from "../routing/StanzaError.js"
import type { Session } from "../session/Session.js"
import { NS_ROSTER } from "../stream/Namespaces.js"
import { type XmlElement, xml } from "../xml/Xml.js"
import { pushItem } from "./RosterPush.js"
import { rosterItemXml } from "./RosterXml.js"

const fail = (iq: XmlElement, condition: string, text: string): XmlElement =>
  errorReply(iq, condition, { text }) ?? iq

/** Answers a roster IQ from the account's own session. */
export const handleRosterIq = (core: ServerCore, session: Session, iq: XmlElement): XmlElement => {
  const query = iq.getChild("query", NS_ROSTER)
  if (query === undefined)
    return fail(iq, "bad-request", "expected <query xmlns='jabber:iq:roster'/>")
  if (iq.attrs.type === "get") {
    session.rosterRequested = true
    const items = core.storage.roster.list(session.username).filter((item) => !isHidden(item))
    return iqResult(iq, xml("query", { xmlns: NS_ROSTER }, items.map(rosterItemXml)))
  }
  const items = query.getChildren("item")
  const element = items[0]
  if (items.length !== 1 || element === undefined)
    return fail(iq, "bad-request", "a roster set holds exactly one item")
  const contact = parseJid(element.attrs.jid ?? "")
  if (contact === undefined || contact.resource !== undefined)
    return fail(iq, "bad-request", "the item needs a bare JID")
  const existing = core.storage.roster.get(session.username, contact.bare)
  if (element.attrs.subscription === "remove") {
    if (existing === undefined) return fail(iq, "item-not-found", "no such roster item")
    removeItem(core, session, contact.bare)
    return iqResult(iq)
  }
  const groups = element.getChildren("group").map((group) => group.text())
  if (groups.some((group) => group === "") || new Set(groups).size !== groups.length)
    return fail(iq, "not-acceptable", "groups must be non-empty and distinct")
  const name = element.attrs.name === "" ? undefined : element.attrs.name
  const item = { ...(existing ?? emptyItem(contact.bare)), name, groups }
  core.storage.roster.put(session.username, item)
  pushItem(core, session.bare, rosterItemXml(item))
  return iqResult(iq)
}

/** RFC 6121 §2.5.2: cancel both directions of the subscription, then delete and push. */
const removeItem = (core: ServerCore, session: Session, contact: string): void => {
  const item = core.storage.roster.get(session.username, contact)
  if (item === undefined) return
  if (item.subscription === "to" || item.subscription === "both" || item.ask_out)
    sendSubscriptionToContact(core, session.bare, contact, "unsubscribe")
  if (item.subscription === "from" || item.subscription === "both" || item.pending_in !== undefined)
    sendSubscriptionToContact(core, session.bare, contact, "unsubscribed")
  core.storage.roster.remove(session.username, contact)
  pushItem(core, session.bare, xml("item", { jid: contact, subscription: "remove" }))
}
