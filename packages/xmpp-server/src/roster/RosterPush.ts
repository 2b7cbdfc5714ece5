// RFC 6121 §2.1.6 / §2.3.2: after a roster change, push the item to every session of the
// account that asked for the roster ("interested resources"). A change made by a subscription
// (RFC 6121 §3) is pushed at once and committed with the roster writes of this event-loop turn;
// the XEP-0198 ack of the stanza that caused it waits for that commit.
import type { ServerCore } from "../core/ServerCore.js"
import { isHidden } from "../presence/Subscription.js"
import type { RosterWriteOutcome } from "../storage/RosterWriteBatch.js"
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
  const handedOn = core.sm.current?.begin()
  const settled = (outcome: RosterWriteOutcome): void => {
    if (!outcome.ok)
      core.logger.error("roster-write-failed", { user: username, error: outcome.error })
    handedOn?.()
  }
  if (after === undefined) {
    core.rosters.write(username, { kind: "remove", contact }, settled)
    if (before !== undefined && !isHidden(before))
      pushItem(core, bare, xml("item", { jid: contact, subscription: "remove" }))
    return
  }
  core.rosters.write(username, { kind: "put", item: after }, settled)
  if (!isHidden(after)) pushItem(core, bare, rosterItemXml(after))
}
