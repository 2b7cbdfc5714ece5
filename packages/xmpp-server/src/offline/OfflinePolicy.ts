// Which messages offline storage keeps (XEP-0160 §3, XEP-0334 hints, XEP-0085 §5.5): `normal`
// and `chat` messages; not errors, headlines or groupchat; not a standalone chat state; not a
// message with a `no-store` hint, unless it carries a `store` hint.

/** XEP-0334 message processing hints. */
export const NS_HINTS = "urn:xmpp:hints"
/** XEP-0085 chat state notifications. */
export const NS_CHAT_STATES = "http://jabber.org/protocol/chatstates"

import type { XmlElement } from "../xml/Xml.js"

const hint = (stanza: XmlElement, name: string): boolean =>
  stanza.getChild(name, NS_HINTS) !== undefined

/** True when offline storage should keep `stanza` for an offline recipient. */
export const storableOffline = (stanza: XmlElement): boolean => {
  const type = stanza.attrs.type ?? "normal"
  if (type !== "normal" && type !== "chat") return false
  if (hint(stanza, "store")) return true
  if (hint(stanza, "no-store")) return false
  const payload = stanza
    .getChildElements()
    .filter((child) => child.attrs.xmlns !== NS_HINTS && child.name !== "thread")
  if (payload.length === 0) return false
  return !payload.every((child) => child.attrs.xmlns === NS_CHAT_STATES)
}
