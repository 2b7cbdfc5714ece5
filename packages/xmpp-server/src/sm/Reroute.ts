// XEP-0198 §5 (server behaviour when a session ends for good): messages the client never
// acknowledged are not lost. Each goes to the account's other available resources, else to
// offline storage (XEP-0160, with an XEP-0203 delay stamp of when it was first queued).
// Presence and IQs are dropped: presence is state the client re-learns, an IQ's sender times out.
import type { ServerCore } from "../core/ServerCore.js"
import { parseJid } from "../jid/Jid.js"
import { decideMessage } from "../routing/Decide.js"
import { serialize, type XmlElement, xml } from "../xml/Xml.js"
import type { Unacked } from "./SmStream.js"

const NS_DELAY = "urn:xmpp:delay"

/** Adds an XEP-0203 delay stamp of when the message was first queued (unless it has one). */
export const stampQueuedAt = (stanza: XmlElement, domain: string, queuedAt: number): void => {
  if (stanza.getChild("delay", NS_DELAY) !== undefined) return
  stanza.append(
    xml("delay", { xmlns: NS_DELAY, from: domain, stamp: new Date(queuedAt).toISOString() }),
  )
}

/** Routes the unacknowledged messages of a session that is gone (it left routing already). */
export const rerouteUnacked = (core: ServerCore, unacked: ReadonlyArray<Unacked>): void => {
  for (const entry of unacked) {
    const pendingId = entry.pendingId
    const pending = core.sm.pending
    if (pendingId === undefined || pending === undefined) {
      routeAgain(core, entry)
      continue
    }
    // Its durable copy goes with the handing on (the offline write commits together with it).
    core.storage.transaction(() => {
      routeAgain(core, entry)
      pending.removeNow(pendingId)
    })
  }
}

/** Writes one message to the account's other sessions, else stores it offline, else logs it. */
const routeAgain = (core: ServerCore, { stanza, queuedAt }: Unacked): void => {
  if (stanza.name !== "message") return
  const type = stanza.attrs.type
  if (type === "error" || type === "groupchat") return
  const to = parseJid(stanza.attrs.to ?? "")
  if (to === undefined || to.local === undefined || to.domain !== core.domain) return
  stampQueuedAt(stanza, core.domain, queuedAt)
  const decision = decideMessage(core, parseJid(to.bare) ?? to, type)
  if (decision.kind === "sessions") {
    const text = serialize(stanza)
    for (const session of decision.sessions) session.sendSerialized(stanza, text)
    return
  }
  const offline = core.modules.stores.offline
  const result = offline?.accepts(stanza) === true ? offline.store(to.local, stanza) : undefined
  if (result?.ok !== true)
    core.logger.warn("unacked-message-dropped", {
      to: stanza.attrs.to,
      id: stanza.attrs.id,
      reason: result === undefined ? "no offline storage for it" : result.text,
    })
}
