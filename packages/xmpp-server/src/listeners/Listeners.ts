// The network listeners as Effect scoped resources: bound on acquire (yielding the real
// port, so port 0 works), closed on release. TCP c2s (STARTTLS), direct TLS (XEP-0368) and
// WebSocket (RFC 7395, subprotocol `xmpp`, at the configured path), XEP-0114 components.
// Every client connection passes the per-address `[limits]` first (src/limits), and one that
// has not authenticated within `auth_timeout_seconds` of its accept is closed, also while its
// TLS handshake or HTTP upgrade is still under way.
import { createServer as createHttpServer, type Server as HttpServer } from "node:http"
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net"
import { createServer as createTlsServer, type TLSSocket } from "node:tls"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { WebSocketServer } from "ws"
import { ComponentConnection } from "../components/ComponentConnection.js"
import type { ServerCore } from "../core/ServerCore.js"
import { type ConnectionTicket, connectionLimitsOf } from "../limits/ConnectionLimits.js"
import { refuseConnection } from "../limits/RefuseConnection.js"
import { ClientConnection } from "../session/ClientConnection.js"
import type { Transport } from "../stream/Transport.js"
import { originAllowed } from "./AllowedOrigins.js"
import { makeTcpTransport } from "./TcpTransport.js"
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

/** Admits a connection under `[limits]` and starts its stream, or refuses it with a stream error. */
const startStream = (core: ServerCore, transport: Transport, openedAt = Date.now()): void => {
  const ticket = connectionLimitsOf(core).admit(transport.remoteAddress, Date.now(), openedAt)
  if (typeof ticket === "string")
    refuseConnection(core.domain, transport, ticket, core.config.limits)
  else new ClientConnection(core, transport, ticket)
}

/** The TCP c2s listener (STARTTLS when TLS material exists); yields its port. */
export const tcpListener = (core: ServerCore, host: string, port: number) =>
  bind(
    "listen.c2s",
    createNetServer((socket) => {
      if (core.lifecycle.stopping) return void socket.destroy()
      socket.setNoDelay(true)
      startStream(
        core,
        makeTcpTransport(socket, { secureContext: core.secureContext, directTls: false }),
      )
    }),
    host,
    port,
  )

/**
 * The XEP-0368 direct TLS listener; yields its port. The limits apply at the TCP accept, so
 * a refused connection is closed before any TLS work is spent on it (no stream error).
 */
export const directTlsListener = (core: ServerCore, host: string, port: number) => {
  // Admitted connections whose handshake is under way, by remote address and port.
  const handshaking = new Map<
    string,
    { ticket: ConnectionTicket; timer: NodeJS.Timeout; socket: Socket }
  >()
  const keyOf = (socket: Socket): string => `${socket.remoteAddress}|${socket.remotePort}`
  const server = createTlsServer(
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
        makeTcpTransport(socket, { secureContext: core.secureContext, directTls: true }),
        pending.ticket,
      )
    },
  )
  server.on("connection", (socket: Socket) => {
    if (core.lifecycle.stopping) return void socket.destroy()
    const ticket = connectionLimitsOf(core).admit(socket.remoteAddress ?? "unknown", Date.now())
    if (typeof ticket === "string") return void socket.destroy()
    const key = keyOf(socket)
    // An absolute deadline: a handshake trickled in byte by byte does not extend it.
    const timer = setTimeout(() => socket.destroy(), authTimeoutMs(core))
    timer.unref()
    handshaking.set(key, { ticket, timer, socket })
    socket.once("close", () => {
      clearTimeout(timer)
      if (handshaking.get(key)?.ticket !== ticket) return
      handshaking.delete(key)
      ticket.release()
    })
  })
  server.on("tlsClientError", (_error, socket) => socket.destroy())
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
export const componentListener = (core: ServerCore, host: string, port: number) =>
  bind(
    "listen.component",
    createNetServer((socket) => {
      if (core.lifecycle.stopping) return void socket.destroy()
      socket.setNoDelay(true)
      new ComponentConnection(
        core,
        makeTcpTransport(socket, { secureContext: undefined, directTls: false }),
      )
    }),
    host,
    port,
  )

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
            address: req.socket.remoteAddress,
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
      startStream(
        core,
        makeWebSocketTransport(socket, request.socket.remoteAddress ?? "unknown", false),
        raw?.openedAt,
      )
    })
    yield* Effect.addFinalizer(() => Effect.sync(() => sockets.close()))
    return yield* bind("listen.websocket", http, host, port)
  })
