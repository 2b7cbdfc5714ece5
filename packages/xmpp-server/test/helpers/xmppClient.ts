// @xmpp/client (no type declarations) behind a small typed wrapper for end-to-end tests:
// connect over TCP (STARTTLS, accepting the test server's self-signed certificate) or
// WebSocket, pick the SASL mechanism, and collect incoming stanzas to wait on.
// @ts-expect-error: @xmpp/client ships no type declarations.
import { client as makeClient } from "@xmpp/client"
import { WebSocket } from "ws"
import type { XmlElement } from "../../src/index.js"
import { tlsProxyHeaders } from "./testServer.js"

// Node 20 has no global WebSocket; @xmpp/websocket expects the browser one (ws is compatible).
// Its upgrade carries what the test server's trusted TLS proxy would add (testServer.ts).
class ProxiedWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | Array<string>) {
    super(url, protocols, { headers: tlsProxyHeaders })
  }
}
if (globalThis.WebSocket === undefined) Object.assign(globalThis, { WebSocket: ProxiedWebSocket })

// The test server's certificate is self-signed; accept it in this test process only.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0"

/** What a test does with a connected client. */
export interface TestClient {
  readonly jid: string
  send(stanza: XmlElement): Promise<void>
  /** Sends an IQ and resolves with the result (rejects with the error stanza's condition). */
  iq(request: XmlElement): Promise<XmlElement>
  /** Resolves with the first received stanza (already received or future) matching `test`. */
  waitFor(test: (stanza: XmlElement) => boolean, timeoutMs?: number): Promise<XmlElement>
  /** Every stanza received so far. */
  readonly received: ReadonlyArray<XmlElement>
  /** Resolves once the connection dropped (e.g. after a stream error). */
  readonly offline: Promise<void>
  /** Stream errors and other errors the client reported. */
  readonly errors: ReadonlyArray<Error & { condition?: string }>
  stop(): Promise<void>
}

/** How to connect. */
export interface ConnectOptions {
  readonly service: string
  readonly domain: string
  readonly username: string
  readonly password: string
  readonly resource?: string
  readonly mechanism?: "PLAIN" | "SCRAM-SHA-1"
}

interface RawClient {
  jid: { toString(): string }
  on(event: string, listener: (value: never) => void): void
  start(): Promise<unknown>
  stop(): Promise<unknown>
  send(stanza: XmlElement): Promise<void>
  iqCaller: { request(stanza: XmlElement, timeout?: number): Promise<XmlElement> }
  reconnect: { stop(): void }
  /** How long @xmpp/client waits for a stream to open or close (its default, 2 s, is short on a loaded machine). */
  timeout: number
}

/** Connects and authenticates; rejects when login fails. */
export const connectClient = async (options: ConnectOptions): Promise<TestClient> => {
  const { mechanism, username, password } = options
  const raw: RawClient = makeClient({
    service: options.service,
    domain: options.domain,
    resource: options.resource,
    credentials: (
      authenticate: (credentials: object, mechanism: string) => Promise<void>,
      mechanisms: ReadonlyArray<string>,
    ) =>
      authenticate(
        { username, password },
        mechanism ?? mechanisms.find((each) => each !== "PLAIN") ?? "PLAIN",
      ),
  })
  raw.reconnect.stop()
  raw.timeout = 10_000
  const received: Array<XmlElement> = []
  const errors: Array<Error> = []
  const waiters = new Set<(stanza: XmlElement) => void>()
  raw.on("stanza", (stanza: never) => {
    received.push(stanza)
    for (const waiter of [...waiters]) waiter(stanza)
  })
  raw.on("error", (error: never) => errors.push(error))
  const offline = new Promise<void>((resolve) => raw.on("disconnect", () => resolve()))
  await raw.start()
  return {
    jid: raw.jid.toString(),
    send: (stanza) => raw.send(stanza),
    iq: (request) => raw.iqCaller.request(request, 5000),
    received,
    errors,
    offline,
    waitFor: (test, timeoutMs = 5000) => {
      const found = received.find(test)
      if (found !== undefined) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter)
          reject(new Error(`timed out waiting for a stanza; received:\n${received.join("\n")}`))
        }, timeoutMs)
        const waiter = (stanza: XmlElement): void => {
          if (!test(stanza)) return
          clearTimeout(timer)
          waiters.delete(waiter)
          resolve(stanza)
        }
        waiters.add(waiter)
      })
    },
    stop: async () => {
      await raw.stop().catch(() => undefined)
    },
  }
}
