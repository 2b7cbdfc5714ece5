// `tls = "required"` on a WebSocket: the listener speaks plain ws://, so the only way a
// WebSocket can be encrypted is a TLS proxy in front of it. A connection is accepted only when
// it comes from a proxy in `[listen.websocket] trusted_proxies` that says the client reached it
// over TLS (`Forwarded: proto=https` or `X-Forwarded-Proto: https`); otherwise no SASL
// mechanism or registration may be offered on it, so it is refused with a stream error that
// says what to do.
import type { ServerCore } from "../core/ServerCore.js"
import type { ForwardedClient } from "./ForwardedHeaders.js"

/** Why this WebSocket must be refused under the TLS policy, or undefined when it may go on. */
export const webSocketTlsRefusal = (
  core: ServerCore,
  client: ForwardedClient,
): string | undefined => {
  if (core.config.listen.c2s?.tls !== "required" || client.secure) return undefined
  return client.proxied
    ? "TLS is required: the proxy did not say the connection used TLS (Forwarded: proto=https or X-Forwarded-Proto: https)"
    : "TLS is required: connect with wss:// through the TLS proxy (listed in [listen.websocket] trusted_proxies)"
}
