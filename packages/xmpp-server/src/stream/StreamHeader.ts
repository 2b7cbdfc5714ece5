// RFC 6120 §4.7 / §4.9.3 (and RFC 7395 §3.3.1 for `<open/>`): what makes a client's stream
// header unacceptable, as the stream error to answer it with.
import { NS_CLIENT, NS_STREAM } from "./Namespaces.js"
import type { StreamErrorCondition } from "./StreamError.js"
import type { Framing } from "./StreamParser.js"

/** Why a header is refused. */
export interface HeaderProblem {
  readonly condition: StreamErrorCondition
  readonly text: string
}

/** Checks a received header; undefined when the stream may proceed. */
export const checkStreamHeader = (
  framing: Framing,
  name: string,
  attrs: Readonly<Record<string, string>>,
  domain: string,
): HeaderProblem | undefined => {
  if (framing === "stream") {
    if (name !== "stream:stream" || attrs["xmlns:stream"] !== NS_STREAM)
      return { condition: "invalid-namespace", text: `the stream namespace must be ${NS_STREAM}` }
    if (attrs.xmlns !== NS_CLIENT)
      return { condition: "invalid-namespace", text: `the content namespace must be ${NS_CLIENT}` }
  }
  if (!/^1\.\d+$/.test(attrs.version ?? ""))
    return { condition: "unsupported-version", text: "version 1.0 is required" }
  if ((attrs.to ?? "").toLowerCase() !== domain)
    return { condition: "host-unknown", text: `this server serves ${domain}` }
  return undefined
}
