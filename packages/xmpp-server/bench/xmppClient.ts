// A lean raw-socket XMPP client for the load generator: RFC 6120 stream setup over TCP with
// optional STARTTLS (§5), SASL PLAIN or SCRAM-SHA-1/-256 (RFC 5802, §6), resource binding
// (§7), initial presence, then chat messages. No DOM, no middleware: the generator must never
// be the bottleneck of the server it measures.
import { randomBytes } from "node:crypto"
import { connect, type Socket } from "node:net"
import { connect as connectTls } from "node:tls"
import { digest, hmac, type ScramHash, saltedPassword } from "../src/auth/credentials.js"
import { NS_SM } from "../src/sm/SmStream.js"
import { attributeOf, childTextOf, elementNameOf, type FrameEvent, XmlFramer } from "./xmlFramer.js"

/** SASL mechanisms the generator can log in with. */
export type BenchMechanism = "PLAIN" | "SCRAM-SHA-1" | "SCRAM-SHA-256"

/** Where and how to log in. */
export interface XmppLogin {
  readonly host: string
  readonly port: number
  readonly domain: string
  readonly username: string
  readonly password: string
  readonly resource: string
  readonly mechanism: BenchMechanism
  readonly starttls: boolean
  /** Enables XEP-0198 stream management after binding and answers the server's `<r/>`. */
  readonly streamManagement?: boolean
}

const escapeXml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/'/g, "&apos;")

const streamHeader = (domain: string): string =>
  `<?xml version='1.0'?><stream:stream to='${domain}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`

/**
 * The AMP rules the bench can put on every message (XEP-0079): `notify`, `deliver=direct notify`,
 * which fires for every message delivered (a notify reply each); `silent`,
 * `deliver=stored notify`, which the server parses, validates and resolves at each event but
 * which never fires for an online recipient (no reply): AMP's own cost without the reply's;
 * `stored`, the same rule sent to a recipient who is not logged in (the `--storage` offline
 * load): it fires once the offline store is committed, so its reply times the store.
 */
export const AMP_BENCH_RULES = {
  notify:
    "<amp xmlns='http://jabber.org/protocol/amp'><rule condition='deliver' value='direct' action='notify'/></amp>",
  silent:
    "<amp xmlns='http://jabber.org/protocol/amp'><rule condition='deliver' value='stored' action='notify'/></amp>",
  stored:
    "<amp xmlns='http://jabber.org/protocol/amp'><rule condition='deliver' value='stored' action='notify'/></amp>",
} as const

/** One of `AMP_BENCH_RULES`. */
export type AmpBenchRule = keyof typeof AMP_BENCH_RULES

/** A logged-in session: send raw stanzas, receive message bodies. */
export class XmppClient {
  private framer = new XmlFramer()
  private waiting: ((stanza: string) => void) | undefined
  private queue: Array<string> = []
  private closed = false
  /** Called with the body text of every `<message/>` received after login. */
  onMessageBody: (body: string) => void = () => undefined
  /** Called when the connection closes or fails unexpectedly. */
  onFailure: (reason: string) => void = () => undefined
  /**
   * Called for every XEP-0079 `notify` reply (a body-less message with `<amp status='notify'>`)
   * with its id, the id of the message it is about (XEP-0079 §3.4.4).
   */
  onAmpNotify: (id: string | undefined) => void = () => undefined
  /** The AMP rule every chat message carries, if any (the bench's AMP modes). */
  ampRule: AmpBenchRule | undefined = undefined
  /** Stanzas received since XEP-0198 was enabled (its `h`); undefined while it is off. */
  private smInbound: number | undefined = undefined

  private constructor(private socket: Socket) {}

  /** Connects and logs in; resolves with the client and its full JID. */
  static async login(options: XmppLogin): Promise<{ client: XmppClient; jid: string }> {
    const socket = connect({ host: options.host, port: options.port, noDelay: true })
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve)
      socket.once("error", reject)
    })
    const client = new XmppClient(socket)
    client.listen()
    const jid = await client.handshake(options)
    return { client, jid }
  }

  private listen(): void {
    this.socket.on("data", (chunk: Buffer) => this.receive(this.framer.push(chunk)))
    this.socket.on("error", (error) => this.fail(error.message))
    this.socket.on("close", () => this.fail("connection closed"))
  }

  private fail(reason: string): void {
    if (this.closed) return
    this.closed = true
    this.onFailure(reason)
  }

  private receive(events: ReadonlyArray<FrameEvent>): void {
    for (const event of events) {
      if (event.kind === "stream-close") this.fail("stream closed by the server")
      if (event.kind !== "stanza") continue
      const xml = event.xml
      if (this.smInbound !== undefined && this.handledBySm(xml)) continue
      if (this.waiting === undefined && xml.startsWith("<message")) {
        const body = childTextOf(xml, "body")
        if (body !== undefined) this.onMessageBody(body)
        else if (/<amp [^>]*status=["']notify["']/.test(xml))
          this.onAmpNotify(attributeOf(xml, "id"))
        else if (attributeOf(xml, "type") === "error")
          this.onFailure(`error reply: ${xml.slice(0, 300)}`)
        continue
      }
      if (this.waiting !== undefined) {
        const resolve = this.waiting
        this.waiting = undefined
        resolve(xml)
      } else {
        this.queue.push(xml)
      }
    }
  }

  /**
   * XEP-0198 bookkeeping for one received element: a stanza is counted and handled as usual
   * (false); an `<r/>` is answered with the count, and it and an `<a/>` need nothing more (true).
   */
  private handledBySm(xml: string): boolean {
    const name = elementNameOf(xml)
    if (name === "message" || name === "presence" || name === "iq") {
      this.smInbound = ((this.smInbound ?? 0) + 1) % 2 ** 32
      return false
    }
    if (name !== "r") return name === "a"
    this.socket.write(`<a xmlns='${NS_SM}' h='${this.smInbound ?? 0}'/>`)
    return true
  }

  /** The next stanza not consumed as a message body (during login). */
  private next(): Promise<string> {
    const queued = this.queue.shift()
    if (queued !== undefined) return Promise.resolve(queued)
    return new Promise((resolve, reject) => {
      this.waiting = resolve
      this.onFailure = (reason) => reject(new Error(reason))
    })
  }

  private async expect(name: string, during: string): Promise<string> {
    const stanza = await this.next()
    if (elementNameOf(stanza) !== name) {
      throw new Error(`${during}: expected <${name}>, got ${stanza.slice(0, 200)}`)
    }
    return stanza
  }

  private async openStream(domain: string): Promise<string> {
    this.framer.reset()
    this.socket.write(streamHeader(domain))
    return this.expect("features", "stream features")
  }

  private async handshake(options: XmppLogin): Promise<string> {
    let features = await this.openStream(options.domain)
    if (options.starttls) {
      if (!features.includes("urn:ietf:params:xml:ns:xmpp-tls"))
        throw new Error("no STARTTLS offered")
      this.socket.write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
      await this.expect("proceed", "STARTTLS")
      this.socket.removeAllListeners("data")
      this.socket.removeAllListeners("close")
      this.socket.removeAllListeners("error")
      const secure = connectTls({
        socket: this.socket,
        servername: options.domain,
        rejectUnauthorized: false,
      })
      await new Promise<void>((resolve, reject) => {
        secure.once("secureConnect", resolve)
        secure.once("error", reject)
      })
      this.socket = secure
      this.listen()
      features = await this.openStream(options.domain)
    }
    if (!features.includes(`>${options.mechanism}<`)) {
      throw new Error(`${options.mechanism} not offered: ${features.slice(0, 300)}`)
    }
    await this.authenticate(options)
    features = await this.openStream(options.domain)
    this.socket.write(
      `<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${escapeXml(options.resource)}</resource></bind></iq>`,
    )
    const bound = await this.expect("iq", "bind")
    const jid = childTextOf(bound, "jid")
    if (attributeOf(bound, "type") !== "result" || jid === undefined)
      throw new Error(`bind failed: ${bound}`)
    if (
      features.includes("urn:ietf:params:xml:ns:xmpp-session") &&
      !features.includes("<optional/>")
    ) {
      this.socket.write(
        "<iq type='set' id='session'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>",
      )
      await this.expect("iq", "session")
    }
    if (options.streamManagement === true) {
      if (!features.includes(NS_SM)) throw new Error("XEP-0198 stream management not offered")
      this.socket.write(`<enable xmlns='${NS_SM}'/>`)
      await this.expect("enabled", "enabling stream management")
      this.smInbound = 0
    }
    this.socket.write("<presence/>")
    this.onFailure = () => undefined
    return jid
  }

  private async authenticate(options: XmppLogin): Promise<void> {
    const { username, password, mechanism } = options
    const sasl = "urn:ietf:params:xml:ns:xmpp-sasl"
    if (mechanism === "PLAIN") {
      const payload = Buffer.from(`\u0000${username}\u0000${password}`).toString("base64")
      this.socket.write(`<auth xmlns='${sasl}' mechanism='PLAIN'>${payload}</auth>`)
      await this.expect("success", "SASL PLAIN")
      return
    }
    const hash: ScramHash = mechanism === "SCRAM-SHA-1" ? "sha1" : "sha256"
    const nonce = randomBytes(18).toString("base64")
    const clientFirstBare = `n=${username.replace(/=/g, "=3D").replace(/,/g, "=2C")},r=${nonce}`
    this.socket.write(
      `<auth xmlns='${sasl}' mechanism='${mechanism}'>${Buffer.from(`n,,${clientFirstBare}`).toString("base64")}</auth>`,
    )
    const challenge = Buffer.from(
      childTextOf(await this.expect("challenge", mechanism), "challenge") ?? "",
      "base64",
    )
    const serverFirst = challenge.toString()
    const fields = new Map(
      serverFirst.split(",").map((field) => [field.slice(0, 1), field.slice(2)]),
    )
    const serverNonce = fields.get("r") ?? ""
    if (!serverNonce.startsWith(nonce)) throw new Error(`${mechanism}: bad server nonce`)
    const salted = saltedPassword(
      hash,
      password,
      Buffer.from(fields.get("s") ?? "", "base64"),
      Number(fields.get("i")),
    )
    const clientKey = hmac(hash, salted, "Client Key")
    const clientFinalWithoutProof = `c=biws,r=${serverNonce}`
    const authMessage = `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`
    const signature = hmac(hash, digest(hash, clientKey), authMessage)
    const proof = Buffer.from(clientKey.map((byte, index) => byte ^ (signature[index] ?? 0)))
    const final = `${clientFinalWithoutProof},p=${proof.toString("base64")}`
    this.socket.write(
      `<response xmlns='${sasl}'>${Buffer.from(final).toString("base64")}</response>`,
    )
    const success = await this.expect("success", mechanism)
    const verifier = Buffer.from(childTextOf(success, "success") ?? "", "base64").toString()
    const expected = hmac(hash, hmac(hash, salted, "Server Key"), authMessage).toString("base64")
    if (verifier !== `v=${expected}`)
      throw new Error(`${mechanism}: the server's signature is wrong`)
  }

  /** Sends a chat message with `body` to `to`. */
  sendChat(to: string, id: string, body: string): void {
    this.socket.write(
      `<message to='${to}' id='${id}' type='chat'><body>${escapeXml(body)}</body>${this.ampRule === undefined ? "" : AMP_BENCH_RULES[this.ampRule]}</message>`,
    )
  }

  /** Closes the stream and waits (bounded) for the socket to close. */
  async close(): Promise<void> {
    this.closed = true
    if (this.socket.destroyed) return
    const closed = new Promise<void>((resolve) => this.socket.once("close", () => resolve()))
    this.socket.end("</stream:stream>")
    const timer = setTimeout(() => this.socket.destroy(), 2000)
    await closed
    clearTimeout(timer)
  }
}
