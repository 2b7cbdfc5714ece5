// Which messages a module delivers with its own confirmation (AMP `deliver=direct`, spec/amp.md
// §4): a write to a session on another node that fails is then the module's to decide — AMP
// falls back to `stored` or `none` — instead of the cluster's generic fallback to offline
// storage (src/cluster/Fallback.ts). The AMP write tracker records each one it waits for.
import type { Session } from "../session/Session.js"
import type { XmlElement } from "../xml/Xml.js"

/** Says, per session, whether the module waits for the XEP-0198 ack rather than the write. */
type WaitsForAck = (session: Session) => boolean

const claimed = new WeakMap<XmlElement, WaitsForAck>()

/** A module confirms this message's delivery itself. Example: `claimConfirmation(stanza, () => false)`. */
export const claimConfirmation = (stanza: XmlElement, waitsForAck: WaitsForAck): void => {
  claimed.set(stanza, waitsForAck)
}

/** "ack" or "write" when a module confirms the message itself (what it waits for), else undefined. */
export const confirmationWanted = (
  stanza: XmlElement,
  session: Session,
): "ack" | "write" | undefined => {
  const waits = claimed.get(stanza)
  if (waits === undefined) return undefined
  return waits(session) ? "ack" : "write"
}
