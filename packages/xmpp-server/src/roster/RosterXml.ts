// RFC 6121 §2.1: the `<item/>` of a roster query or push, from a stored RosterItem.
import type { RosterItem } from "../storage/Storage.js"
import { NS_CLIENT, NS_ROSTER } from "../stream/Namespaces.js"
import { type XmlElement, xml } from "../xml/Xml.js"

/** `<item jid subscription [ask] [name]><group/>…</item>`. */
export const rosterItemXml = (item: RosterItem): XmlElement =>
  xml(
    "item",
    {
      jid: item.jid,
      name: item.name,
      subscription: item.subscription,
      ask: item.ask_out ? "subscribe" : undefined,
    },
    item.groups.map((group) => xml("group", {}, group)),
  )

let pushCounter = 0
const nextPushId = (): string => {
  pushCounter += 1
  return `push-${pushCounter.toString(36)}`
}

/** RFC 6121 §2.1.6: a roster push to one session. */
export const rosterPush = (to: string, item: XmlElement): XmlElement =>
  xml(
    "iq",
    { xmlns: NS_CLIENT, type: "set", id: nextPushId(), to },
    xml("query", { xmlns: NS_ROSTER }, item),
  )
