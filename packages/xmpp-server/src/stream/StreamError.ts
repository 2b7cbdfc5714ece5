// RFC 6120 §4.9: stream errors. A stream error is unrecoverable: the server sends it, closes
// the stream and the connection.

import { escapeXmlText } from "../xml/Xml.js"
import { NS_STREAM, NS_STREAM_ERRORS } from "./Namespaces.js"

/** RFC 6120 §4.9.3 stream error conditions the server emits. */
export type StreamErrorCondition =
  | "bad-format"
  | "conflict"
  | "connection-timeout"
  | "host-unknown"
  | "internal-server-error"
  | "invalid-from"
  | "invalid-namespace"
  | "invalid-xml"
  | "not-authorized"
  | "not-well-formed"
  | "policy-violation"
  | "reset"
  | "resource-constraint"
  | "restricted-xml"
  | "system-shutdown"
  | "undefined-condition"
  | "unsupported-encoding"
  | "unsupported-stanza-type"
  | "unsupported-version"

/** Serialises `<stream:error>` with the condition and an optional human-readable text. */
export const streamErrorXml = (condition: StreamErrorCondition, text?: string): string =>
  `<stream:error xmlns:stream='${NS_STREAM}'><${condition} xmlns='${NS_STREAM_ERRORS}'/>${
    text === undefined
      ? ""
      : `<text xmlns='${NS_STREAM_ERRORS}' xml:lang='en'>${escapeXmlText(text)}</text>`
  }</stream:error>`
