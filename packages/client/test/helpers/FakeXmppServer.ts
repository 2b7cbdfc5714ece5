// A tiny XMPP server on 127.0.0.1 for end-to-end tests of the client plugin against a real
// @xmpp/client: RFC 6120 stream open, SASL ANONYMOUS, resource binding, scriptable disco#info,
// then whatever the test sends, including spoofed replies from other JIDs.
import net from "node:net"
import xml, { type Element, Parser } from "@xmpp/xml"

const STREAMS_NS = "http://etherx.jabber.org/streams"
const SASL_NS = "urn:ietf:params:xml:ns:xmpp-sasl"
const BIND_NS = "urn:ietf:params:xml:ns:xmpp-bind"
const DISCO_INFO_NS = "http://jabber.org/protocol/disco#info"

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
  readonly #sockets = new Set<net.Socket>()
  #current: net.Socket | undefined
  sessions = 0

  private constructor(
    readonly options: FakeServerOptions,
    private readonly server: net.Server,
  ) {}

  /** Starts listening on a free loopback port. */
  static async start(options: FakeServerOptions): Promise<FakeXmppServer> {
    const server = net.createServer()
    const fake = new FakeXmppServer(options, server)
    server.on("connection", (socket) => fake.#accept(socket))
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    return fake
  }

  /** The service URI for `client({ service })`. */
  get service(): string {
    const address = this.server.address() as net.AddressInfo
    return `xmpp://127.0.0.1:${address.port}`
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
    for (const socket of this.#sockets) socket.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  #accept(socket: net.Socket): void {
    this.#sockets.add(socket)
    socket.on("close", () => this.#sockets.delete(socket))
    socket.on("error", () => undefined)
    let authenticated = false
    let parser = new Parser()
    const attach = (): void => {
      parser.on("start", () => {
        const features = authenticated
          ? [
              xml("bind", { xmlns: BIND_NS }),
              ...(this.options.streamFeature === true
                ? [xml("amp", { xmlns: "http://jabber.org/features/amp" })]
                : []),
            ]
          : [xml("mechanisms", { xmlns: SASL_NS }, xml("mechanism", {}, "ANONYMOUS"))]
        socket.write(
          `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='${STREAMS_NS}' from='${this.options.domain}' id='s${this.sessions}' version='1.0'>`,
        )
        socket.write(xml("stream:features", {}, ...features).toString())
      })
      parser.on("element", (element: Element) => {
        if (element.is("auth", SASL_NS)) {
          authenticated = true
          parser = new Parser()
          attach()
          socket.write(xml("success", { xmlns: SASL_NS }).toString())
          return
        }
        this.#onStanza(socket, element)
      })
      parser.on("end", () => {
        socket.end("</stream:stream>")
      })
      parser.on("error", () => socket.destroy())
    }
    attach()
    socket.on("data", (data) => parser.write(data.toString("utf8")))
  }

  #onStanza(socket: net.Socket, stanza: Element): void {
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
