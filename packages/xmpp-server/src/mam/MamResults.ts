// XEP-0313 §4.2 result shapes: each archived message forwarded (XEP-0297) with its XEP-0203
// delay stamp inside `<result queryid id/>`, then the IQ result with `<fin/>` and the
// XEP-0059 `<set/>` (first with its index, last, count).
import { NS_CLIENT } from "../stream/Namespaces.js"
import { parseElement } from "../xml/parseXml.js"
import { type XmlElement, xml } from "../xml/Xml.js"
import { NS_MAM } from "./MamPolicy.js"
import type { MamPage } from "./MamQuery.js"
import { NS_RSM } from "./MamQuery.js"
import type { ArchivedRow } from "./MamTable.js"

/** XEP-0297 stanza forwarding. */
export const NS_FORWARD = "urn:xmpp:forward:0"
/** XEP-0203 delayed delivery. */
const NS_DELAY = "urn:xmpp:delay"

/** The `<message/>` carrying one archived message to the querying session. */
export const resultMessage = (
  row: ArchivedRow,
  owner: string,
  to: string,
  queryId: string | undefined,
): XmlElement | undefined => {
  const original = parseElement(row.stanza)
  if (original === undefined) return undefined
  return xml(
    "message",
    { xmlns: NS_CLIENT, from: owner, to },
    xml(
      "result",
      { xmlns: NS_MAM, queryid: queryId, id: row.id },
      xml(
        "forwarded",
        { xmlns: NS_FORWARD },
        xml("delay", { xmlns: NS_DELAY, stamp: new Date(row.stamp).toISOString() }),
        original,
      ),
    ),
  )
}

/** The `<fin/>` of a finished query. */
export const finElement = (page: MamPage): XmlElement => {
  const first = page.rows[0]
  const last = page.rows[page.rows.length - 1]
  return xml(
    "fin",
    { xmlns: NS_MAM, complete: page.complete ? "true" : "false" },
    xml(
      "set",
      { xmlns: NS_RSM },
      first === undefined ? undefined : xml("first", { index: String(page.firstIndex) }, first.id),
      last === undefined ? undefined : xml("last", {}, last.id),
      xml("count", {}, String(page.count)),
    ),
  )
}
