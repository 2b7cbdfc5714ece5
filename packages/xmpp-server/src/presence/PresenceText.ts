// A presence written to many recipients (RFC 6121 §4.2.2 broadcast, §4.2.3 probe answers):
// serialized once without its `to`, then each copy gets its own `to` spliced in, instead of a
// full serialization per recipient. The text without `to` is kept per element (a WeakMap: it
// goes with the element), so a session's current presence is serialized once however often it
// is sent. Callers never change a presence after sending it, only its `to`.
import { escapeXml, serialize, type XmlElement } from "../xml/Xml.js"

const withoutTo = new WeakMap<XmlElement, string>()
const attributeSpecial = /["&'<>]/

/** The text of `presence` addressed `to` (whatever its `to` attribute holds now). */
export const presenceText = (presence: XmlElement, to: string): string => {
  let text = withoutTo.get(presence)
  if (text === undefined) {
    const { to: kept, ...others } = presence.attrs
    presence.attrs = others
    text = serialize(presence)
    if (kept !== undefined) presence.attrs.to = kept
    withoutTo.set(presence, text)
  }
  const address = attributeSpecial.test(to) ? escapeXml(to) : to
  return `<${presence.name} to="${address}"${text.slice(presence.name.length + 1)}`
}
