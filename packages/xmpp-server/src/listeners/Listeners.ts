// The network listeners as Effect scoped resources: bound on acquire (yielding the real
// port, so port 0 works), closed on release. TCP c2s (STARTTLS), direct TLS (XEP-0368) and
// WebSocket (RFC 7395, subprotocol `xmpp`, at the configured path), XEP-0114 components.
// Every client connection passes the per-address `[limits]` first (src/limits), and one that
// has not authenticated within `auth_timeout_seconds` of its accept is closed, also while its
// TLS handshake or HTTP upgrade is still under way. Behind a proxy listed in a listener's
// `trusted_proxies`, the client's address comes from the proxy (PROXY protocol v2 on TCP,
// `Forwarded`/`X-Forwarded-For` on WebSocket) and every limit and log line uses it.
import { createServer as createHttpServer, type Server as HttpServer } from "node:http"
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net"
import { createServer as createTlsServer, type TLSSocket } from "node:tls"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { WebSocketServer } from "ws"
import { ComponentConnection } from "../components/ComponentConnection.js"
import type { ServerCore } from "../core/ServerCore.js"
import { authGuardOf, limitsAddressOf } from "../limits/AuthGuard.js"
import { type ConnectionTicket, connectionLimitsOf } from "../limits/ConnectionLimits.js"
import { failedLoginsText, refuseConnection, refuseStream } from "../limits/RefuseConnection.js"
import { type TrustedProxies, trustedProxies } from "../limits/TrustedProxies.js"
import { ClientConnection } from "../session/ClientConnection.js"
import type { Transport } from "../stream/Transport.js"
import { originAllowed } from "./AllowedOrigins.js"
import { forwardedClient } from "./ForwardedHeaders.js"
import { readProxyHeader } from "./ProxyProtocol.js"
import { makeTcpTransport } from "./TcpTransport.js"
import { webSocketTlsRefusal } from "./WebSocketTls.js"
import { makeWebSocketTransport } from "./WebSocketTransport.js"

/** A listener could not be bound. */
export class ListenError extends Data.TaggedError("ListenError")<{
  readonly listener: string
  readonly reason: "address-in-use" | "access-denied" | "other"
  readonly message: string
}> {}

const reasonOf = (error: NodeJS.ErrnoException): ListenError["reason"] =>
  error.code === "EADDRINUSE"
    ? "address-in-use"
    : error.code === "EACCES"
      ? "access-denied"
      : "other"

const bind = (listener: string, server: NetServer | HttpServer, host: string, port: number) =>
  Effect.acquireRelease(
    Effect.callback<number, ListenError>((resume) => {
      const failed = (error: NodeJS.ErrnoException): void =>
        resume(
          Effect.fail(
            new ListenError({ listener, reason: reasonOf(error), message: error.message }),
          ),
        )
      server.once("error", failed)
      server.listen(port, host, () => {
        server.removeListener("error", failed)
        const address = server.address()
        resume(
          Effect.succeed(typeof address === "object" && address !== null ? address.port : port),
        )
      })
    }),
    () =>
      Effect.callback<void>((resume) => {
        server.close(() => resume(Effect.void))
        if ("closeAllConnections" in server) server.closeAllConnections()
      }),
  )

const authTimeoutMs = (core: ServerCore): number => core.config.server.auth_timeout_seconds * 1000

/**
 * Admits a connection under `[limits]` and starts its stream, or refuses it with a stream
 * error: over a per-address limit, or over its failed-login budget (with the seconds to wait).
 */
const startStream = (core: ServerCore, transport: Transport, openedAt = Date.now()): void => {
  const now = Date.now()
  const retryMs = authGuardOf(core).addressRetryMs(limitsAddressOf(core, transport), now)
  if (retryMs > 0) return void refuseStream(core.domain, transport, failedLoginsText(retryMs))
  const ticket = connectionLimitsOf(core).admit(transport.remoteAddress, now, openedAt)
  if (typeof ticket === "string")
    refuseConnection(core.domain, transport, ticket, core.config.limits)
  else new ClientConnection(core, transport, ticket)
}

/**
 * Calls `start` with the client's address: the socket's peer, or, when the peer is a trusted
 * proxy, the address of its PROXY v2 header (read first; the socket is then paused with the
 * bytes after the header put back: a stream resumes it once it listens, a TLS server takes it
 * over paused). A trusted proxy's connection without a valid header is logged and closed.
 */
const withClientAddress = (
  core: ServerCore,
  socket: Socket,
  proxies: TrustedProxies,
  start: (address: string) => void,
): void => {
  const peer = socket.remoteAddress ?? "unknown"
  if (!proxies.trusts(peer)) return void start(peer)
  readProxyHeader(socket, authTimeoutMs(core), start, (reason) => {
    core.logger.warn("proxy-header-refused", { peer, reason })
    socket.destroy()
  })
}

/** The TCP c2s listener (STARTTLS when TLS material exists); yields its port. */
export const tcpListener = (core: ServerCore, host: string, port: number) => {
  const proxies = trustedProxies(core.config.listen.c2s?.trusted_proxies ?? [])
  return bind(
    "listen.c2s",
    createNetServer((socket) => {
      if (core.lifecycle.stopping) return void socket.destroy()
      socket.setNoDelay(true)
      const acceptedAt = Date.now()
      withClientAddress(core, socket, proxies, (remoteAddress) => {
        startStream(
          core,
          makeTcpTransport(socket, {
            secureContext: core.secureContext,
            directTls: false,
            remoteAddress,
          }),
          acceptedAt,
        )
        socket.resume()
      })
    }),
    host,
    port,
  )
}

/**
 * The XEP-0368 direct TLS listener; yields its port. The limits apply at the TCP accept (after
 * a trusted proxy's PROXY header), so a refused connection is closed before any TLS work is
 * spent on it (no stream error); admitted sockets are handed to the TLS server.
 */
export const directTlsListener = (core: ServerCore, host: string, port: number) => {
  const proxies = trustedProxies(core.config.listen.c2s?.trusted_proxies ?? [])
  // Admitted connections whose handshake is under way, by remote address and port.
  const handshaking = new Map<
    string,
    { ticket: ConnectionTicket; timer: NodeJS.Timeout; socket: Socket; address: string }
  >()
  const keyOf = (socket: Socket): string => `${socket.remoteAddress}|${socket.remotePort}`
  const tls = createTlsServer(
    { ...core.certificate, handshakeTimeout: authTimeoutMs(core) },
    (socket: TLSSocket) => {
      const key = keyOf(socket)
      const pending = handshaking.get(key)
      handshaking.delete(key)
      if (pending === undefined || core.lifecycle.stopping) return void socket.destroy()
      clearTimeout(pending.timer)
      socket.setNoDelay(true)
      new ClientConnection(
        core,
        makeTcpTransport(socket, {
          secureContext: core.secureContext,
          directTls: true,
          remoteAddress: pending.address,
        }),
        pending.ticket,
      )
    },
  )
  tls.on("tlsClientError", (_error, socket) => socket.destroy())
  const admit = (socket: Socket, address: string, acceptedAt: number): void => {
    const ticket = connectionLimitsOf(core).admit(address, Date.now(), acceptedAt)
    if (typeof ticket === "string") return void socket.destroy()
    const key = keyOf(socket)
    // An absolute deadline: a handshake trickled in byte by byte does not extend it.
    const timer = setTimeout(
      () => socket.destroy(),
      Math.max(0, acceptedAt + authTimeoutMs(core) - Date.now()),
    )
    timer.unref()
    handshaking.set(key, { ticket, timer, socket, address })
    socket.once("close", () => {
      clearTimeout(timer)
      if (handshaking.get(key)?.ticket !== ticket) return
      handshaking.delete(key)
      ticket.release()
    })
    tls.emit("connection", socket)
  }
  const server = createNetServer((socket) => {
    if (core.lifecycle.stopping) return void socket.destroy()
    const acceptedAt = Date.now()
    withClientAddress(core, socket, proxies, (address) => admit(socket, address, acceptedAt))
  })
  // On stop, handshakes under way end at once (closing the server waits for every socket).
  return Effect.tap(bind("listen.c2s.direct_tls_port", server, host, port), () =>
    Effect.addFinalizer(() =>
      Effect.sync(() => {
        for (const { socket } of handshaking.values()) socket.destroy()
      }),
    ),
  )
}

/** The XEP-0114 component listener (plain TCP, components are trusted local services); yields its port. */
export const componentListener = (core: ServerCore, host: string, port: number) => {
  const proxies = trustedProxies(core.config.listen.component?.trusted_proxies ?? [])
  return bind(
    "listen.component",
    createNetServer((socket) => {
      if (core.lifecycle.stopping) return void socket.destroy()
      socket.setNoDelay(true)
      withClientAddress(core, socket, proxies, (remoteAddress) => {
        new ComponentConnection(
          core,
          makeTcpTransport(socket, { secureContext: undefined, directTls: false, remoteAddress }),
        )
        socket.resume()
      })
    }),
    host,
    port,
  )
}

/** The RFC 7395 WebSocket listener at `path`; yields its port. */
export const webSocketListener = (core: ServerCore, host: string, port: number, path: string) =>
  Effect.gen(function* () {
    const allowedOrigins = core.config.listen.websocket?.allowed_origins ?? []
    const http = createHttpServer((_request, response) => {
      response.writeHead(426, { "content-type": "text/plain" })
      response.end("XMPP over WebSocket: connect with the 'xmpp' subprotocol\n")
    })
    // Until the upgrade, an absolute deadline per connection (HTTP's own timeouts do not
    // cover a connection that never sends a byte).
    const accepted = new WeakMap<Socket, { openedAt: number; timer: NodeJS.Timeout }>()
    const proxies = trustedProxies(core.config.listen.websocket?.trusted_proxies ?? [])
    http.on("connection", (socket: Socket) => {
      const timer = setTimeout(() => socket.destroy(), authTimeoutMs(core))
      timer.unref()
      accepted.set(socket, { openedAt: Date.now(), timer })
      socket.once("close", () => clearTimeout(timer))
    })
    const sockets = new WebSocketServer({
      server: http,
      path,
      // A message is one stanza: more than max_stanza_bytes (counted in UTF-16 units, up to
      // 3 UTF-8 bytes each) is refused by ws before it is buffered whole.
      maxPayload: core.config.server.max_stanza_bytes * 3 + 4096,
      handleProtocols: (protocols) => (protocols.has("xmpp") ? "xmpp" : false),
      // Cross-site WebSocket hijacking: a page from another site gets HTTP 403, before XMPP.
      verifyClient: ({ origin, req }, allow) => {
        const allowed = originAllowed(allowedOrigins, origin, req.headers.host)
        if (!allowed)
          core.logger.warn("websocket-origin-refused", {
            origin,
            host: req.headers.host,
            address: forwardedClient(req.socket.remoteAddress ?? "unknown", req.headers, proxies)
              .address,
          })
        allow(allowed, 403, "origin not allowed")
      },
    })
    // `ws` re-emits the HTTP server's errors (EADDRINUSE at bind); `bind` below already turns
    // those into a ListenError, so the re-emitted copy must not become an uncaught exception.
    sockets.on("error", () => {})
    sockets.on("connection", (socket, request) => {
      if (core.lifecycle.stopping) return socket.terminate()
      const raw = accepted.get(request.socket)
      clearTimeout(raw?.timer)
      if (socket.protocol !== "xmpp")
        return socket.close(1002, "the 'xmpp' subprotocol is required")
      const peer = request.socket.remoteAddress ?? "unknown"
      const client = forwardedClient(peer, request.headers, proxies)
      const transport = makeWebSocketTransport(socket, client.address, client.secure)
      const tlsRefusal = webSocketTlsRefusal(core, client)
      if (tlsRefusal !== undefined) return void refuseStream(core.domain, transport, tlsRefusal)
      startStream(core, transport, raw?.openedAt)
    })
    yield* Effect.addFinalizer(() => Effect.sync(() => sockets.close()))
    return yield* bind("listen.websocket", http, host, port)
  })
