// Starts everything the demo needs in this process: the reference XMPP server (embedded
// storage, WebSocket, the demo's module tables) and the HTTP server for the built app. Used by
// `npm start` (server/start.ts) and by the browser end-to-end tests.
import type { Server } from "node:http"
import { createServer as createNetServer } from "node:net"
import {
  createUserRecord,
  type Logger,
  makeConfig,
  type RunningServer,
  type ServerModule,
  startServer,
} from "@xmpp-amp/xmpp-server"
import { staticAppServer } from "./staticFiles.js"

/** Options of `startDemo`. */
export interface DemoOptions {
  /** The built app (apps/chat-demo/dist). */
  readonly distDir: string
  /** The embedded database and certificates. */
  readonly dataDir: string
  /** Listen address of every listener (default 127.0.0.1). */
  readonly host?: string
  /** HTTP port of the app (0 picks one). */
  readonly httpPort: number
  readonly websocketPort: number
  /** TCP client port for desktop clients (STARTTLS optional). */
  readonly c2sPort: number
  readonly domain?: string
  readonly logger?: Logger
  /** Extra server modules (the reference server's own are mounted from the config). */
  readonly modules?: ReadonlyArray<ServerModule>
}

/** A running demo. */
export interface RunningDemo {
  /** The app's address, e.g. http://localhost:8080/ */
  readonly url: string
  readonly server: RunningServer
  readonly ports: { readonly http: number; readonly websocket: number; readonly c2s: number }
  stop(): Promise<void>
}

/** A port is taken or cannot be bound; the message says which and what to do. */
export class DemoPortError extends Error {
  readonly _tag = "DemoPortError"
}

/** The demo configuration: WebSocket on, TLS optional on loopback, sign-up and AMP on. */
export const demoConfig = (options: DemoOptions) =>
  makeConfig({
    server: {
      domain: options.domain ?? "localhost",
      data_dir: options.dataDir,
      shutdown_grace_seconds: 2,
    },
    listen: {
      // The browser build of @xmpp/client has no SCRAM: PLAIN over the unencrypted loopback
      // WebSocket (SCRAM stays offered too). Not for a server others reach.
      c2s: {
        host: options.host ?? "127.0.0.1",
        port: options.c2sPort,
        tls: "optional",
        allow_plain_without_tls: true,
      },
      websocket: { host: options.host ?? "127.0.0.1", port: options.websocketPort },
      component: { enabled: false },
    },
    modules: {
      amp: { enabled: true },
      offline: { enabled: true },
      mam: { enabled: true },
      register: { enabled: true },
    },
  })

const listen = (server: Server, host: string, port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new DemoPortError(
              `port ${port} (the web app) is already in use: stop what uses it or set PORT`,
            )
          : error,
      ),
    )
    server.listen(port, host, () => {
      const address = server.address()
      resolve(typeof address === "object" && address !== null ? address.port : port)
    })
  })

/**
 * Creates an account unless it exists, through the running server's account repository (so
 * the server routes to it at once); resolves true when it was created, rejects when storage
 * fails. Example: `await ensureAccount(demo.server.repositories.accounts, "alice", "pw")`.
 */
export const ensureAccount = async (
  accounts: RunningServer["repositories"]["accounts"],
  username: string,
  password: string,
): Promise<boolean> => {
  const created = await accounts.create(createUserRecord(username, password))
  if (created instanceof Error) throw created
  return created
}

/**
 * Makes two local accounts mutual contacts (subscription `both`, RFC 6121 §3) through the
 * running server's rosters, so cached rosters see it; resolves once both items are committed.
 * Example: `await befriend(demo.server.rosters, "localhost", "alice", "bob")`.
 */
export const befriend = async (
  rosters: RunningServer["rosters"],
  domain: string,
  left: string,
  right: string,
): Promise<void> => {
  const put = (owner: string, contact: string) =>
    new Promise<void>((resolve, reject) =>
      rosters.write(
        owner,
        {
          kind: "put",
          item: {
            jid: `${contact}@${domain}`,
            name: undefined,
            subscription: "both",
            ask_out: false,
            pending_in: undefined,
            groups: [],
          },
        },
        (outcome) => (outcome.ok ? resolve() : reject(outcome.error)),
      ),
    )
  await put(left, right)
  await put(right, left)
}

const portMessage = (error: unknown, options: DemoOptions): unknown => {
  const tagged = error as { _tag?: string; reason?: string; listener?: string }
  if (tagged._tag !== "ListenError" || tagged.reason !== "address-in-use") return error
  const which =
    tagged.listener === "listen.websocket"
      ? `port ${options.websocketPort} (XMPP over WebSocket) is already in use: set XMPP_WS_PORT`
      : `port ${options.c2sPort} (XMPP client connections) is already in use: set XMPP_C2S_PORT`
  return new DemoPortError(which)
}

const portUse = {
  httpPort: ["the web app", "PORT"],
  websocketPort: ["XMPP over WebSocket", "XMPP_WS_PORT"],
  c2sPort: ["XMPP client connections", "XMPP_C2S_PORT"],
} as const

/** Resolves when `port` can be bound on `host`, rejects with `DemoPortError` when it is taken. */
const probe = (host: string, port: number, key: keyof typeof portUse): Promise<void> =>
  new Promise((resolve, reject) => {
    if (port === 0) return resolve()
    const server = createNetServer()
    server.once("error", (error: NodeJS.ErrnoException) => {
      const [what, variable] = portUse[key]
      reject(
        error.code === "EADDRINUSE"
          ? new DemoPortError(`port ${port} (${what}) is already in use: set ${variable}`)
          : error,
      )
    })
    server.listen(port, host, () => server.close(() => resolve()))
  })

/** Rejects with `DemoPortError` naming the first port of `options` that is taken. */
export const checkPorts = async (
  options: Pick<DemoOptions, "host" | "httpPort" | "websocketPort" | "c2sPort">,
): Promise<void> => {
  for (const key of ["httpPort", "websocketPort", "c2sPort"] as const) {
    await probe(options.host ?? "127.0.0.1", options[key], key)
  }
}

/** Starts the XMPP server and the app server. Throws `DemoPortError` for a busy port. */
export const startDemo = async (options: DemoOptions): Promise<RunningDemo> => {
  const host = options.host ?? "127.0.0.1"
  // Checked first so that a busy port is one clear message, whichever listener it concerns.
  await checkPorts(options)
  const config = demoConfig(options)
  const server = await startServer({
    config,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.modules === undefined ? {} : { modules: options.modules }),
  }).catch((error: unknown) => {
    throw portMessage(error, options)
  })
  const websocket = server.ports.websocket ?? options.websocketPort
  const http = staticAppServer(options.distDir, {
    domain: server.domain,
    websocketPort: websocket,
    websocketPath: config.listen.websocket?.path ?? "/xmpp-websocket",
  })
  const httpPort = await listen(http, host, options.httpPort).catch(async (error: unknown) => {
    await server.stop()
    throw error
  })
  const shownHost = host === "127.0.0.1" || host === "0.0.0.0" ? "localhost" : host
  return {
    url: `http://${shownHost}:${httpPort}/`,
    server,
    ports: { http: httpPort, websocket, c2s: server.ports.c2s ?? options.c2sPort },
    stop: async () => {
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
      await server.stop()
    },
  }
}
