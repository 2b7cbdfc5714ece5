// The normal bounce of a message that ends at `none` (spec §4, RFC 6120 §8.3): sent after the
// `none` notification, never after a blocking action. From the original recipient to the sender.
import xml, { type Element } from "@xmpp/xml"
import { STANZAS_NS } from "@xmpp-amp/amp-core"

/** The stanza error conditions a discarded AMP message can bounce with. */
export type BounceCondition =
  | "service-unavailable"
  | "remote-server-not-found"
  | "internal-server-error"

const ERROR_TYPE: Readonly<Record<BounceCondition, "cancel" | "wait">> = {
  "service-unavailable": "cancel",
  "remote-server-not-found": "cancel",
  "internal-server-error": "wait",
}

/** The error `<message/>` telling the sender their message was discarded. */
export const bounceMessage = (
  sender: string,
  originalTo: string,
  id: string,
  condition: BounceCondition,
): Element =>
  xml(
    "message",
    { type: "error", from: originalTo, to: sender, id },
    xml("error", { type: ERROR_TYPE[condition] }, xml(condition, { xmlns: STANZAS_NS })),
  )
