// The network listeners as Effect scoped resources: bound on acquire (yielding the real
// port, so port 0 works), closed on release. TCP c2s (STARTTLS), direct TLS (XEP-0368) and
// WebSocket (RFC 7395, subprotocol `xmpp`, at the configured path), XEP-0114 components.
import { createServer as createHttpServer, type Server as HttpServer } from "node:http"
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net"
import { createServer as createTlsServer } from "node:tls"
import { Data, Effect } from "effect"
import { WebSocketServer } from "ws"
import { ComponentConnection } from "../components/ComponentConnection.js"
import type { ServerCore } from "../core/ServerCore.js"
import { ClientConnection } from "../session/ClientConnection.js"
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

const accept = (core: ServerCore, directTls: boolean) => (socket: Socket) => {
  if (core.lifecycle.stopping) return void socket.destroy()
  socket.setNoDelay(true)
  new ClientConnection(
    core,
    makeTcpTransport(socket, { secureContext: core.secureContext, directTls }),
  )
}

/** The TCP c2s listener (STARTTLS when TLS material exists); yields its port. */
export const tcpListener = (core: ServerCore, host: string, port: number) =>
  bind("listen.c2s", createNetServer(accept(core, false)), host, port)

/** The XEP-0368 direct TLS listener; yields its port. */
export const directTlsListener = (core: ServerCore, host: string, port: number) =>
  bind(
    "listen.c2s.direct_tls_port",
    createTlsServer(core.certificate ?? {}, accept(core, true)),
    host,
    port,
  )

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
    const http = createHttpServer((_request, response) => {
      response.writeHead(426, { "content-type": "text/plain" })
      response.end("XMPP over WebSocket: connect with the 'xmpp' subprotocol\n")
    })
    const sockets = new WebSocketServer({
      server: http,
      path,
      handleProtocols: (protocols) => (protocols.has("xmpp") ? "xmpp" : false),
    })
    // `ws` re-emits the HTTP server's errors (EADDRINUSE at bind); `bind` below already turns
    // those into a ListenError, so the re-emitted copy must not become an uncaught exception.
    sockets.on("error", () => {})
    sockets.on("connection", (socket, request) => {
      if (core.lifecycle.stopping) return socket.terminate()
      if (socket.protocol !== "xmpp")
        return socket.close(1002, "the 'xmpp' subprotocol is required")
      new ClientConnection(
        core,
        makeWebSocketTransport(socket, request.socket.remoteAddress ?? "unknown", false),
      )
    })
    yield* Effect.addFinalizer(() => Effect.sync(() => sockets.close()))
    return yield* bind("listen.websocket", http, host, port)
  })
