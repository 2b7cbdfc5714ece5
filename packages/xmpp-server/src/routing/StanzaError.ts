// RFC 6120 §8.3: stanza errors. A reply swaps `from`/`to`, keeps the `id`, sets
// `type='error'` and carries `<error type=…><condition/></error>` (the original payload is
// not echoed). Stanzas of type `error` are never answered with an error (§8.3.1).
import { NS_STANZAS } from "../stream/Namespaces.js"
import { type XmlElement, xml } from "../xml/Xml.js"

/** RFC 6120 §8.3.2 error types. */
export type StanzaErrorType = "auth" | "cancel" | "continue" | "modify" | "wait"

/** The error type RFC 6120 §8.3.3 pairs with each condition we use. */
const defaultType: Record<string, StanzaErrorType> = {
  "bad-request": "modify",
  conflict: "cancel",
  "feature-not-implemented": "cancel",
  forbidden: "auth",
  "internal-server-error": "wait",
  "item-not-found": "cancel",
  "jid-malformed": "modify",
  "not-acceptable": "modify",
  "not-allowed": "cancel",
  "not-authorized": "auth",
  "remote-server-not-found": "cancel",
  "resource-constraint": "wait",
  "service-unavailable": "cancel",
  "undefined-condition": "cancel",
}

/** The `<error/>` element for a condition. */
export const errorElement = (
  condition: string,
  text?: string,
  type?: StanzaErrorType,
): XmlElement =>
  xml(
    "error",
    { type: type ?? defaultType[condition] ?? "cancel" },
    xml(condition, { xmlns: NS_STANZAS }),
    text === undefined ? undefined : xml("text", { xmlns: NS_STANZAS, "xml:lang": "en" }, text),
  )

/**
 * The error reply to `stanza`, from `from` (default: the stanza's `to`) to the stanza's
 * sender. Undefined when `stanza` is itself an error.
 */
export const errorReply = (
  stanza: XmlElement,
  condition: string,
  options: {
    readonly from?: string | undefined
    readonly text?: string
    readonly type?: StanzaErrorType
  } = {},
): XmlElement | undefined => {
  if (stanza.attrs.type === "error") return undefined
  return xml(
    stanza.name,
    {
      xmlns: stanza.attrs.xmlns,
      type: "error",
      id: stanza.attrs.id,
      from: options.from ?? stanza.attrs.to,
      to: stanza.attrs.from,
    },
    errorElement(condition, options.text, options.type),
  )
}

/** The `type='result'` reply to an IQ, with an optional payload. */
export const iqResult = (iq: XmlElement, payload?: XmlElement): XmlElement =>
  xml(
    "iq",
    {
      xmlns: iq.attrs.xmlns,
      type: "result",
      id: iq.attrs.id,
      from: iq.attrs.to,
      to: iq.attrs.from,
    },
    payload,
  )
