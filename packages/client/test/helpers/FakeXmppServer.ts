// A tiny XMPP server on 127.0.0.1 for end-to-end tests of the client plugin against a real
// @xmpp/client: RFC 6120 stream open over TCP or RFC 7395 framing over WebSocket (which also
// serves static files, for browser tests), SASL ANONYMOUS, resource binding, scriptable
// disco#info, then whatever the test sends, including spoofed replies from other JIDs.
import http from "node:http"
import net from "node:net"
import xml, { type Element, Parser } from "@xmpp/xml"
import { parseXml } from "@xmpp-amp/amp-core"
import { type WebSocket, WebSocketServer } from "ws"

const STREAMS_NS = "http://etherx.jabber.org/streams"
const SASL_NS = "urn:ietf:params:xml:ns:xmpp-sasl"
const BIND_NS = "urn:ietf:params:xml:ns:xmpp-bind"
const DISCO_INFO_NS = "http://jabber.org/protocol/disco#info"
const FRAMING_NS = "urn:ietf:params:xml:ns:xmpp-framing"

/** One client connection, whatever the transport. */
interface Link {
  write(text: string): void
  destroy(): void
}

/** A file served over HTTP by the WebSocket variant. */
export interface StaticFile {
  readonly type: string
  readonly body: string
}

/** How the server answers a disco#info query: a `<query/>`, an iq error, or no answer at all. */
export type DiscoAnswer = Element | { readonly error: string } | "silent"

/** Options of the fake server. */
export interface FakeServerOptions {
  /** The server's domain. */
  readonly domain: string
  /** The full JID bound to every client. */
  readonly boundJid: string
  /** Announce `<amp xmlns='http://jabber.org/features/amp'/>` after authentication. */
  streamFeature?: boolean
  /** Answers disco#info; `node` is the queried node, if any. */
  discoInfo?: (node: string | undefined, to: string | undefined) => DiscoAnswer
}

/** A stanza the client sent, and a promise that waits for one matching a predicate. */
export class FakeXmppServer {
  readonly received: Element[] = []
  readonly discoQueries: Array<{ node: string | undefined; to: string | undefined }> = []
  readonly #waiters = new Set<{
    test: (stanza: Element) => boolean
    resolve: (stanza: Element) => void
  }>()
  readonly #links = new Set<Link>()
  #current: Link | undefined
  sessions = 0

  private constructor(
    readonly options: FakeServerOptions,
    private readonly server: net.Server | http.Server,
    private readonly scheme: "xmpp" | "ws",
  ) {}

  /** Starts a TCP server (RFC 6120 streams) on a free loopback port. */
  static async start(options: FakeServerOptions): Promise<FakeXmppServer> {
    const server = net.createServer()
    const fake = new FakeXmppServer(options, server, "xmpp")
    server.on("connection", (socket) => fake.#acceptTcp(socket))
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    return fake
  }

  /** Starts an HTTP server serving `files` with XMPP over WebSocket (RFC 7395) at `/xmpp`. */
  static async startWebSocket(
    options: FakeServerOptions,
    files: Readonly<Record<string, StaticFile>>,
  ): Promise<FakeXmppServer> {
    const server = http.createServer((request, response) => {
      const file = files[request.url ?? ""]
      response.writeHead(file === undefined ? 404 : 200, {
        "content-type": file?.type ?? "text/plain",
      })
      response.end(file?.body ?? "not found")
    })
    const fake = new FakeXmppServer(options, server, "ws")
    const sockets = new WebSocketServer({ server, path: "/xmpp" })
    sockets.on("connection", (socket) => fake.#acceptWebSocket(socket))
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    return fake
  }

  /** The port it listens on. */
  get port(): number {
    return (this.server.address() as net.AddressInfo).port
  }

  /** The service URI for `client({ service })`. */
  get service(): string {
    return this.scheme === "xmpp"
      ? `xmpp://127.0.0.1:${this.port}`
      : `ws://127.0.0.1:${this.port}/xmpp`
  }

  /** Sends a stanza (element or XML text) to the current client session. */
  send(stanza: Element | string): void {
    this.#current?.write(stanza.toString())
  }

  /** Resolves with the first stanza (already received or coming) that matches. */
  waitFor(test: (stanza: Element) => boolean, timeout = 5_000): Promise<Element> {
    const seen = this.received.find(test)
    if (seen !== undefined) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const waiter = { test, resolve }
      this.#waiters.add(waiter)
      setTimeout(() => {
        if (this.#waiters.delete(waiter)) reject(new Error("FakeXmppServer: no matching stanza"))
      }, timeout)
    })
  }

  /** Drops the TCP connection without closing the stream (a network failure). */
  dropConnection(): void {
    this.#current?.destroy()
  }

  /** Closes every connection and stops listening. */
  async close(): Promise<void> {
    for (const link of this.#links) link.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  #features(authenticated: boolean): Element[] {
    if (!authenticated) {
      return [xml("mechanisms", { xmlns: SASL_NS }, xml("mechanism", {}, "ANONYMOUS"))]
    }
    const amp =
      this.options.streamFeature === true
        ? [xml("amp", { xmlns: "http://jabber.org/features/amp" })]
        : []
    return [xml("bind", { xmlns: BIND_NS }), ...amp]
  }

  #acceptWebSocket(socket: WebSocket): void {
    const link: Link = { write: (text) => socket.send(text), destroy: () => socket.terminate() }
    this.#links.add(link)
    socket.on("close", () => this.#links.delete(link))
    let authenticated = false
    socket.on("message", (data) => {
      const element = parseXml(String(data))
      if (element.is("open", FRAMING_NS)) {
        link.write(
          xml("open", {
            xmlns: FRAMING_NS,
            from: this.options.domain,
            id: `w${this.sessions}`,
            version: "1.0",
          }).toString(),
        )
        link.write(
          xml(
            "stream:features",
            { "xmlns:stream": STREAMS_NS },
            ...this.#features(authenticated),
          ).toString(),
        )
      } else if (element.is("close", FRAMING_NS)) {
        link.write(xml("close", { xmlns: FRAMING_NS }).toString())
        socket.close()
      } else if (element.is("auth", SASL_NS)) {
        authenticated = true
        link.write(xml("success", { xmlns: SASL_NS }).toString())
      } else {
        this.#onStanza(link, element)
      }
    })
  }

  #acceptTcp(socket: net.Socket): void {
    const link: Link = { write: (text) => socket.write(text), destroy: () => socket.destroy() }
    this.#links.add(link)
    socket.on("close", () => this.#links.delete(link))
    socket.on("error", () => undefined)
    let authenticated = false
    let parser = new Parser()
    const attach = (): void => {
      parser.on("start", () => {
        link.write(
          `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='${STREAMS_NS}' from='${this.options.domain}' id='s${this.sessions}' version='1.0'>`,
        )
        link.write(xml("stream:features", {}, ...this.#features(authenticated)).toString())
      })
      parser.on("element", (element: Element) => {
        if (element.is("auth", SASL_NS)) {
          authenticated = true
          parser = new Parser()
          attach()
          link.write(xml("success", { xmlns: SASL_NS }).toString())
          return
        }
        this.#onStanza(link, element)
      })
      parser.on("end", () => {
        socket.end("</stream:stream>")
      })
      parser.on("error", () => socket.destroy())
    }
    attach()
    socket.on("data", (data) => parser.write(data.toString("utf8")))
  }

  #onStanza(socket: Link, stanza: Element): void {
    const bind = stanza.getChild("bind", BIND_NS)
    if (stanza.name === "iq" && bind !== undefined) {
      this.#current = socket
      this.sessions += 1
      const result = xml(
        "iq",
        { type: "result", id: stanza.attrs.id },
        xml("bind", { xmlns: BIND_NS }, xml("jid", {}, this.options.boundJid)),
      )
      socket.write(result.toString())
      return
    }
    const query = stanza.getChild("query", DISCO_INFO_NS)
    if (stanza.name === "iq" && stanza.attrs.type === "get" && query !== undefined) {
      const node = query.attrs.node as string | undefined
      const to = stanza.attrs.to as string | undefined
      this.discoQueries.push({ node, to })
      const answer = this.options.discoInfo?.(node, to) ?? { error: "service-unavailable" }
      if (answer === "silent") return
      const attrs = { type: "result", id: stanza.attrs.id, from: to }
      const reply =
        "error" in answer
          ? xml(
              "iq",
              { ...attrs, type: "error" },
              xml(
                "error",
                { type: "cancel" },
                xml(answer.error, { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" }),
              ),
            )
          : xml("iq", attrs, answer)
      socket.write(reply.toString())
      return
    }
    this.received.push(stanza)
    for (const waiter of [...this.#waiters]) {
      if (waiter.test(stanza)) {
        this.#waiters.delete(waiter)
        waiter.resolve(stanza)
      }
    }
  }
}
