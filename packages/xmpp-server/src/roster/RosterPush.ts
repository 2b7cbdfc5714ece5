// RFC 6121 §2.1.6 / §2.3.2: after a roster change, push the item to every session of the
// account that asked for the roster ("interested resources").
import type { ServerCore } from "../core/ServerCore.js"
import { isHidden } from "../presence/Subscription.js"
import type { RosterItem } from "../storage/Storage.js"
import { type XmlElement, xml } from "../xml/Xml.js"
import { rosterItemXml, rosterPush } from "./RosterXml.js"

/** Pushes an item (or its removal) to the account's interested sessions. */
export const pushItem = (core: ServerCore, bare: string, item: XmlElement): void => {
  for (const session of core.sessions.ofBare(bare))
    if (session.rosterRequested) session.send(rosterPush(session.full, item))
}

/** Stores the item after a subscription change and pushes what the user can see of it. */
export const saveAndPush = (
  core: ServerCore,
  username: string,
  before: RosterItem | undefined,
  after: RosterItem | undefined,
  contact: string,
): void => {
  const bare = `${username}@${core.domain}`
  if (after === undefined) {
    core.storage.roster.remove(username, contact)
    if (before !== undefined && !isHidden(before))
      pushItem(core, bare, xml("item", { jid: contact, subscription: "remove" }))
    return
  }
  core.storage.roster.put(username, after)
  if (!isHidden(after)) pushItem(core, bare, rosterItemXml(after))
}
