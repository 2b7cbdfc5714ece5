// Test bed for the [limits] tests: a server on loopback with the given limits, plain
// authentication allowed (so raw sockets can log in), every log line kept, and raw TCP, TLS
// and WebSocket clients that can pick their source address (127.0.0.2 is another address).
import { mkdtempSync, rmSync } from "node:fs"
import { connect as connectTcp, type Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { connect as connectTls } from "node:tls"
import { WebSocket } from "ws"
import {
  type ConfigInput,
  createUserRecord,
  makeConfig,
  makeJsonLogger,
  type RunningServer,
  startServer,
} from "../../src/index.js"
import { freePort } from "../helpers/freePort.js"

/** A running limits test server. */
export interface LimitsServer {
  readonly server: RunningServer
  readonly c2sPort: number
  readonly directTlsPort: number
  readonly websocketPort: number
  readonly websocketUrl: string
  /** The XEP-0114 port (0 unless `listen.component` was given). */
  readonly componentPort: number
  /** The `event` of every log line so far, with its fields. */
  events(name: string): Array<Record<string, unknown>>
  /** Creates an account with the password "secret". Example: `await test.addUser("alice")`. */
  addUser(username: string): Promise<void>
  stop(): Promise<void>
}

/** Starts a server with `config` merged over plain-auth loopback listeners. */
export const startLimitsServer = async (config: ConfigInput = {}): Promise<LimitsServer> => {
  const dataDir = mkdtempSync(join(tmpdir(), "xmpp-amp-limits-"))
  const lines: Array<Record<string, unknown>> = []
  const logger = makeJsonLogger({
    level: "info",
    write: (line) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  })
  const directTlsPort = await freePort()
  const server = await startServer({
    logger,
    config: makeConfig({
      ...config,
      server: { shutdown_grace_seconds: 1, ...config.server, data_dir: dataDir },
      listen: {
        c2s: {
          host: "127.0.0.1",
          port: 0,
          tls: "optional",
          allow_plain_without_tls: true,
          direct_tls_port: directTlsPort,
          ...config.listen?.c2s,
        },
        websocket: { host: "127.0.0.1", port: 0, ...config.listen?.websocket },
        component:
          config.listen?.component === undefined
            ? { enabled: false }
            : { host: "127.0.0.1", port: 0, ...config.listen.component },
      },
    }),
  })
  return {
    server,
    c2sPort: server.ports.c2s ?? 0,
    directTlsPort,
    websocketPort: server.ports.websocket ?? 0,
    websocketUrl: `ws://127.0.0.1:${server.ports.websocket ?? 0}/xmpp-websocket`,
    componentPort: server.ports.component ?? 0,
    events: (name) => lines.filter((line) => line.event === name),
    addUser: async (username) => {
      const created = await server.repositories.accounts.create(
        createUserRecord(username, "secret"),
      )
      if (created instanceof Error) throw created
    },
    stop: async () => {
      await server.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** What a raw client received, and ways to wait on it. */
export interface RawClient {
  send(text: string): void
  text(): string
  /** Resolves once `test` holds for everything received (rejects after `timeoutMs`). */
  waitFor(test: string | RegExp | ((text: string) => boolean), timeoutMs?: number): Promise<void>
  /** Resolves when the server closed the connection. */
  readonly closed: Promise<void>
  destroy(): void
}

const rawClient = (
  sendText: (text: string) => void,
  destroy: () => void,
  onText: (listener: (text: string) => void) => void,
  closed: Promise<void>,
): RawClient => {
  let received = ""
  const waiters = new Set<() => void>()
  onText((text) => {
    received += text
    for (const waiter of [...waiters]) waiter()
  })
  return {
    send: sendText,
    text: () => received,
    closed,
    destroy,
    waitFor: (test, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const holds = (): boolean =>
          typeof test === "string"
            ? received.includes(test)
            : typeof test === "function"
              ? test(received)
              : test.test(received)
        if (holds()) return resolve()
        const check = (): void => {
          if (!holds()) return
          clearTimeout(timer)
          waiters.delete(check)
          resolve()
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`timed out waiting for ${String(test)}; received: ${received}`))
        }, timeoutMs)
        waiters.add(check)
        closed.then(() => setTimeout(check, 0))
      }),
  }
}

const fromSocket = (socket: Socket): RawClient => {
  socket.setEncoding("utf8")
  socket.on("error", () => undefined)
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()))
  return rawClient(
    (text) => void socket.write(text),
    () => socket.destroy(),
    (listener) => socket.on("data", listener),
    closed,
  )
}

/** A plain TCP connection from `localAddress` (127.0.0.1 unless given). */
export const tcpClient = (port: number, localAddress = "127.0.0.1"): Promise<RawClient> =>
  new Promise((resolve, reject) => {
    const socket = connectTcp({ port, host: "127.0.0.1", localAddress })
    socket.once("error", reject)
    socket.once("connect", () => resolve(fromSocket(socket)))
  })

/** A plain TCP connection from `localAddress` that first sends `prefix` (a PROXY header). */
export const prefixedTcpClient = (
  port: number,
  prefix: Buffer,
  localAddress = "127.0.0.1",
): Promise<RawClient> =>
  new Promise((resolve, reject) => {
    const socket = connectTcp({ port, host: "127.0.0.1", localAddress })
    socket.once("error", reject)
    socket.once("connect", () => {
      socket.write(prefix)
      resolve(fromSocket(socket))
    })
  })

/**
 * A direct TLS (XEP-0368) connection; rejects when the server closes before the handshake.
 * `prefix` (a PROXY header) is sent in the clear before the TLS handshake.
 */
export const tlsClient = (
  port: number,
  localAddress = "127.0.0.1",
  prefix?: Buffer,
): Promise<RawClient> =>
  new Promise((resolve, reject) => {
    const tcp = connectTcp({ port, host: "127.0.0.1", localAddress })
    if (prefix !== undefined) tcp.write(prefix)
    const socket = connectTls({ socket: tcp, rejectUnauthorized: false })
    socket.once("error", reject)
    socket.once("close", () => reject(new Error("closed before the TLS handshake ended")))
    socket.once("secureConnect", () => resolve(fromSocket(socket)))
  })

/** An RFC 7395 WebSocket (with extra HTTP `headers`); received messages are concatenated. */
export const webSocketClient = (
  url: string,
  localAddress = "127.0.0.1",
  headers: Readonly<Record<string, string>> = {},
): Promise<RawClient> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url, ["xmpp"], { localAddress, headers })
    const closed = new Promise<void>((done) => socket.on("close", () => done()))
    socket.once("error", reject)
    socket.once("open", () =>
      resolve(
        rawClient(
          (text) => socket.send(text),
          () => socket.terminate(),
          (listener) => socket.on("message", (data) => listener(data.toString())),
          closed,
        ),
      ),
    )
  })

/** A client stream header (TCP). */
export const streamHeader =
  "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"

/** The WebSocket `<open/>`. */
export const openFrame =
  "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>"

const plainAuth = (username: string): string =>
  `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\u0000${username}\u0000secret`).toString("base64")}</auth>`

const bindIq = (resource: string): string =>
  `<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${resource}</resource></bind></iq>`

/** Authenticates a TCP stream that got its features, then binds `resource`. */
export const loginOn = async (
  client: RawClient,
  username: string,
  resource: string,
): Promise<RawClient> => {
  client.send(plainAuth(username))
  await client.waitFor("<success")
  client.send(streamHeader)
  await client.waitFor(/<success[\s\S]*<\/stream:features>/)
  client.send(bindIq(resource))
  await client.waitFor("</jid>")
  return client
}

/** Logs `username` (password "secret") in over TCP and binds `resource`. */
export const tcpLogin = async (
  port: number,
  username: string,
  resource: string,
  localAddress?: string,
): Promise<RawClient> => {
  const client = await tcpClient(port, localAddress)
  client.send(streamHeader)
  await client.waitFor("</stream:features>")
  return loginOn(client, username, resource)
}

/** Logs `username` in over WebSocket and binds `resource`. */
export const webSocketLogin = async (
  url: string,
  username: string,
  resource: string,
  localAddress?: string,
): Promise<RawClient> => {
  const client = await webSocketClient(url, localAddress)
  client.send(openFrame)
  await client.waitFor("</stream:features>")
  client.send(plainAuth(username))
  await client.waitFor("<success")
  client.send(openFrame)
  await client.waitFor(/<success[\s\S]*<\/stream:features>/)
  client.send(bindIq(resource))
  await client.waitFor("</jid>")
  return client
}

/** The stream error `condition` as the server writes it. */
export const streamError = (condition: string): RegExp =>
  new RegExp(`<stream:error[^>]*><${condition} xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>`)
