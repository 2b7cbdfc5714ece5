// Stream headers and footers per framing: RFC 6120 §4.7 `<stream:stream>` over TCP, RFC 7395
// §3.3 `<open/>`/`<close/>` over WebSocket. Everything between them is the same XML.

import { escapeXml } from "../xml/Xml.js"
import { NS_CLIENT, NS_FRAMING, NS_STREAM } from "./Namespaces.js"
import type { Framing } from "./StreamParser.js"

/** The server's response stream header. */
export const streamHeader = (framing: Framing, domain: string, id: string): string =>
  framing === "stream"
    ? `<?xml version='1.0'?><stream:stream xmlns='${NS_CLIENT}' xmlns:stream='${NS_STREAM}' id='${escapeXml(id)}' from='${escapeXml(domain)}' version='1.0' xml:lang='en'>`
    : `<open xmlns='${NS_FRAMING}' id='${escapeXml(id)}' from='${escapeXml(domain)}' version='1.0' xml:lang='en'/>`

/** The closing of the server's stream. */
export const streamFooter = (framing: Framing): string =>
  framing === "stream" ? "</stream:stream>" : `<close xmlns='${NS_FRAMING}'/>`
