// RFC 6120 §4.9.3.13: a connection over a per-address limit gets the server's stream header,
// a `policy-violation` stream error saying which limit, and the closing of the stream.
import { randomBytes } from "node:crypto"
import type { LimitsSection } from "../config/ServerConfig.js"
import { streamFooter, streamHeader } from "../stream/Framing.js"
import { streamErrorXml } from "../stream/StreamError.js"
import type { Transport } from "../stream/Transport.js"
import type { Refusal } from "./ConnectionLimits.js"

const explanation = (refusal: Refusal, limits: LimitsSection): string =>
  refusal === "connection-rate"
    ? `too many new connections from your address (at most ${limits.connections_per_ip} per ${limits.connection_window_seconds} s)`
    : `too many unauthenticated connections from your address (at most ${limits.unauthenticated_per_ip})`

/** Answers a refused connection and closes it. Example: `refuseConnection("example.org", transport, "connection-rate", limits)`. */
export const refuseConnection = (
  domain: string,
  transport: Transport,
  refusal: Refusal,
  limits: LimitsSection,
): void => {
  transport.attach(
    () => undefined,
    () => undefined,
  )
  transport.write(streamHeader(transport.framing, domain, randomBytes(9).toString("base64url")))
  transport.write(streamErrorXml("policy-violation", explanation(refusal, limits)))
  transport.write(streamFooter(transport.framing))
  transport.end()
}
