// XEP-0198 §5 (server behaviour when a session ends for good): messages the client never
// acknowledged are not lost. Each goes to the account's other available resources, else to
// offline storage (XEP-0160, with an XEP-0203 delay stamp of when it was first queued).
// Presence and IQs are dropped: presence is state the client re-learns, an IQ's sender times out.
// A message stored offline replaces its XEP-0198 pending row in one repository transaction
// (`replacesPending`): a crash leaves one of the two, never both or neither. When the store
// fails (not the quota), the row stays and crash recovery stores the message at the next start.
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
  const pending = core.sm.pending
  const toStore: Array<{ readonly entry: Unacked; readonly username: string }> = []
  for (const entry of unacked) {
    const username = routeAgain(core, entry)
    if (username !== undefined) toStore.push({ entry, username })
    // Handed to other sessions (with their own durable copies) or dropped: the row goes.
    else if (entry.pendingId !== undefined) pending?.remove(entry.pendingId)
  }
  if (toStore.length === 0) return
  const storing = storeInOrder(core, toStore)
  if (pending !== undefined) pending.track(storing)
  // A login of the same user waits for these before reading its offline messages.
  for (const username of new Set(toStore.map(({ username }) => username)))
    core.modules.stores.offline?.incoming?.(username, storing)
}

/** Stores the messages offline one after the other, in queueing order. */
const storeInOrder = async (
  core: ServerCore,
  toStore: ReadonlyArray<{ readonly entry: Unacked; readonly username: string }>,
): Promise<void> => {
  const offline = core.modules.stores.offline
  const pending = core.sm.pending
  if (offline === undefined) return
  for (const { entry, username } of toStore) {
    const pendingId = entry.pendingId
    // The row must be committed before it can be moved (its insert may still be in a batch).
    if (pendingId !== undefined) await pending?.written(pendingId)
    const result = await offline.store(
      username,
      entry.stanza,
      pendingId === undefined || pending === undefined
        ? {}
        : { replacesPending: Number(pendingId) },
    )
    if (result.ok) continue
    // A failed write moved nothing: the durable copy stays for crash recovery at the next start.
    const kept = result.reason === "failed" && pendingId !== undefined && pending !== undefined
    core.logger.warn(kept ? "unacked-message-kept-pending" : "unacked-message-dropped", {
      to: entry.stanza.attrs.to,
      id: entry.stanza.attrs.id,
      reason: result.text,
    })
  }
}

/**
 * Writes one message to the account's other sessions, else answers the local account whose
 * offline storage should keep it, else logs it as dropped (undefined).
 */
const routeAgain = (core: ServerCore, { stanza, queuedAt }: Unacked): string | undefined => {
  if (stanza.name !== "message") return undefined
  const type = stanza.attrs.type
  if (type === "error" || type === "groupchat") return undefined
  const to = parseJid(stanza.attrs.to ?? "")
  if (to === undefined || to.local === undefined || to.domain !== core.domain) return undefined
  stampQueuedAt(stanza, core.domain, queuedAt)
  const decision = decideMessage(core, parseJid(to.bare) ?? to, type)
  if (decision.kind === "sessions") {
    const text = serialize(stanza)
    for (const session of decision.sessions) session.sendSerialized(stanza, text)
    return undefined
  }
  if (core.modules.stores.offline?.accepts(stanza) === true) return to.local
  core.logger.warn("unacked-message-dropped", {
    to: stanza.attrs.to,
    id: stanza.attrs.id,
    reason: "no offline storage for it",
  })
  return undefined
}
