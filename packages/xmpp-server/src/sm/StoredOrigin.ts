// XEP-0160 meets XEP-0198: a message offline storage hands to a stream-managed session moves
// into the session's queue, whose durable copy (`sm_pending`, src/sm/SmPending.ts) replaces the
// stored one in one transaction. Offline delivery names the stored row of the stanza it is about
// to send; the queue takes that name when it writes the durable copy.
import type { XmlElement } from "../xml/Xml.js"

const storedKeys = new WeakMap<XmlElement, string>()

/** `stanza` is the stored offline message `key`. Example: `fromOfflineStorage(stanza, "42")`. */
export const fromOfflineStorage = (stanza: XmlElement, key: string): void => {
  storedKeys.set(stanza, key)
}

/** The stored row `stanza` came from, once (the queue's durable copy replaces it). */
export const takeStoredKey = (stanza: XmlElement): string | undefined => {
  const key = storedKeys.get(stanza)
  storedKeys.delete(stanza)
  return key
}
