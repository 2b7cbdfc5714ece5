// Which messages offline storage keeps (XEP-0160 §3, XEP-0334 hints, XEP-0085 §5.5): `normal`
// and `chat` messages; not errors, headlines or groupchat; not a standalone chat state; not a
// message with a `no-store` hint, unless it carries a `store` hint.

/** XEP-0334 message processing hints. */
export const NS_HINTS = "urn:xmpp:hints"
/** XEP-0085 chat state notifications. */
export const NS_CHAT_STATES = "http://jabber.org/protocol/chatstates"

import type { XmlElement } from "../xml/Xml.js"

/**
 * True when offline storage should keep `stanza` for an offline recipient. One pass over the
 * children without building arrays: routing asks this for every message, delivered or not.
 */
export const storableOffline = (stanza: XmlElement): boolean => {
  const type = stanza.attrs.type ?? "normal"
  if (type !== "normal" && type !== "chat") return false
  let noStore = false
  let payload = false
  let onlyChatStates = true
  for (const child of stanza.children) {
    if (typeof child === "string") continue
    const namespace = child.attrs.xmlns
    if (namespace === NS_HINTS) {
      if (child.name === "store") return true
      if (child.name === "no-store") noStore = true
    } else if (child.name !== "thread") {
      payload = true
      if (namespace !== NS_CHAT_STATES) onlyChatStates = false
    }
  }
  return !noStore && payload && !onlyChatStates
}
