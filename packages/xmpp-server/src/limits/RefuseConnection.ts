// RFC 6120 §4.9.3.13: a connection over a per-address limit gets the server's stream header,
// a `policy-violation` stream error saying which limit (and, for failed logins, when to
// retry), and the closing of the stream. `policy-violation` is the condition for "a local
// service policy": `see-other-host` would send the client to another server, and
// `resource-constraint` says the server is short of resources, neither of which is true.
import { randomBytes } from "node:crypto"
import type { LimitsSection } from "../config/ServerConfig.js"
import { streamFooter, streamHeader } from "../stream/Framing.js"
import { streamErrorXml } from "../stream/StreamError.js"
import type { Transport } from "../stream/Transport.js"
import { retrySeconds } from "./AuthGuard.js"
import type { Refusal } from "./ConnectionLimits.js"

const explanation = (refusal: Refusal, limits: LimitsSection): string =>
  refusal === "connection-rate"
    ? `too many new connections from your address (at most ${limits.connections_per_ip} per ${limits.connection_window_seconds} s)`
    : `too many unauthenticated connections from your address (at most ${limits.unauthenticated_per_ip})`

/**
 * The text of a refusal for too many failed logins. Example: `failedLoginsText(61_000)` is
 * "too many failed logins from your address: try again in 61 seconds".
 */
export const failedLoginsText = (retryMs: number): string =>
  `too many failed logins from your address: try again in ${retrySeconds(retryMs)} seconds`

/** Opens and at once ends a stream with `policy-violation` and `text`, then closes it. */
export const refuseStream = (domain: string, transport: Transport, text: string): void => {
  transport.attach(
    () => undefined,
    () => undefined,
  )
  transport.write(streamHeader(transport.framing, domain, randomBytes(9).toString("base64url")))
  transport.write(streamErrorXml("policy-violation", text))
  transport.write(streamFooter(transport.framing))
  transport.end()
}

/** Answers a refused connection and closes it. Example: `refuseConnection("example.org", transport, "connection-rate", limits)`. */
export const refuseConnection = (
  domain: string,
  transport: Transport,
  refusal: Refusal,
  limits: LimitsSection,
): void => refuseStream(domain, transport, explanation(refusal, limits))
