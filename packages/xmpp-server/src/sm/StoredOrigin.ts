// XEP-0160 meets XEP-0198: a stored offline message handed to a stream-managed session moves
// into the session's queue. Its durable copy (`sm_pending`, src/sm/SmPending.ts) replaces the
// stored row in one transaction *before* the message is written (`PendingStore.take`): only the
// session whose take deleted the row sends it, so two sessions — on two cluster nodes, or one
// that ends while the other starts — never both get it, and a crash leaves exactly one copy.
// Offline delivery names the row taken for the stanza it is about to send; the queue uses that
// row instead of writing another.
import type { XmlElement } from "../xml/Xml.js"

const takenRows = new WeakMap<XmlElement, string>()

/** `stanza`'s durable copy is row `pendingId` already. Example: `takenRow(stanza, "42")`. */
export const takenRow = (stanza: XmlElement, pendingId: string): void => {
  takenRows.set(stanza, pendingId)
}

/** The row taken for `stanza`, once (the queue's entry then owns it). */
export const takeTakenRow = (stanza: XmlElement): string | undefined => {
  const pendingId = takenRows.get(stanza)
  takenRows.delete(stanza)
  return pendingId
}
