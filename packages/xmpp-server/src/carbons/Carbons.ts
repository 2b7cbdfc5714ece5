// XEP-0280 §6: which messages are copied (`chat`, or `normal` with a body; not errors, not
// `<private/>` or `<no-copy/>` ones, not MAM results or carbons themselves) and the shape of
// a copy: `<message from=bare to=full><received|sent><forwarded>original</forwarded>…`.
import { NS_MAM } from "../mam/MamPolicy.js"
import { NS_FORWARD } from "../mam/MamResults.js"
import { NS_HINTS } from "../offline/OfflinePolicy.js"
import { NS_CLIENT } from "../stream/Namespaces.js"
import { parseElement } from "../xml/parseXml.js"
import { serialize, type XmlElement, xml } from "../xml/Xml.js"

/** XEP-0280 v2. */
export const NS_CARBONS = "urn:xmpp:carbons:2"

/** True when the message is copied to other resources. */
export const carbonEligible = (stanza: XmlElement): boolean => {
  const type = stanza.attrs.type ?? "normal"
  if (type !== "chat" && !(type === "normal" && stanza.getChild("body") !== undefined)) return false
  if (stanza.getChild("private", NS_CARBONS) !== undefined) return false
  if (stanza.getChild("no-copy", NS_HINTS) !== undefined) return false
  return !stanza
    .getChildElements()
    .some((child) => child.attrs.xmlns === NS_CARBONS || child.attrs.xmlns === NS_MAM)
}

/** A `received` or `sent` carbon of `stanza` for the session `to` of account `bare`. */
export const carbonCopy = (
  kind: "received" | "sent",
  stanza: XmlElement,
  bare: string,
  to: string,
): XmlElement | undefined => {
  const original = parseElement(serialize(stanza))
  if (original === undefined) return undefined
  return xml(
    "message",
    { xmlns: NS_CLIENT, from: bare, to, type: stanza.attrs.type },
    xml(kind, { xmlns: NS_CARBONS }, xml("forwarded", { xmlns: NS_FORWARD }, original)),
  )
}
