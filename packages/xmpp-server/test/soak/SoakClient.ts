// One user of the soak test: a raw-socket client that enables XEP-0198 with resumption, sends
// chat messages asking for acks, answers the server's `<r/>`, and can lose its connection
// abruptly, resume it (§5, re-sending what the server had not handled), start a new session
// instead, or log out. What it sends, what the server acknowledged and what it receives go
// to the ledger.

import type { XmlElement } from "../../src/index.js"
import { StreamParser } from "../../src/stream/StreamParser.js"
import type { RawConnection } from "../helpers/rawSocket.js"
import { chat, NS_SM, rawAuthenticate } from "../sm/smRaw.js"
import type { SmSessionRecord, SoakLedger } from "./SoakLedger.js"

/** A stanza the server has not acknowledged yet (`id` for messages, none for presence). */
interface Outgoing {
  readonly id: string | undefined
  readonly xml: string
}

interface Waiter {
  readonly test: (element: XmlElement) => boolean
  readonly found: (element: XmlElement) => void
  readonly failed: (error: Error) => void
}

const streamOpening =
  "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
const stanzaNames = new Set(["message", "presence", "iq"])

/** Counts of what happened to one client. */
export interface ClientCounts {
  resumed: number
  resumeFailed: number
  freshSessions: number
  closedByServer: number
  /** `<a/>` or `<resumed/>` acknowledging more than was sent (a server bug). */
  impossibleAcks: number
}

/** A stream-managed soak client. */
export class SoakClient {
  state: "offline" | "connecting" | "online" = "offline"
  readonly counts: ClientCounts = {
    resumed: 0,
    resumeFailed: 0,
    freshSessions: 0,
    closedByServer: 0,
    impossibleAcks: 0,
  }
  private connection: RawConnection | undefined
  private waiters: Array<Waiter> = []
  /** The current XEP-0198 session (kept while offline, for resumption). */
  private session: SmSessionRecord | undefined
  private resumptionId = ""
  /** Stanzas received and counted on the current session (our `h`). */
  private inbound = 0
  /** True once `<enabled/>` or `<resumed/>` came on the current connection. */
  private counting = false
  /** The `h` of our last `<a/>` on this connection (confirmed by the server's next `<r/>`). */
  private lastAckSent: number | undefined
  /** Sent, not yet acknowledged by the server; `outboundBase` is the server's last `h`. */
  private outgoing: Array<Outgoing> = []
  private outboundBase = 0
  /** The `h` sent in `<resume/>`. */
  private resumeH = 0
  /** The condition of the last `<failed/>` answer to `<resume/>`, e.g. "item-not-found". */
  lastResumeFailure: string | undefined

  constructor(
    readonly name: string,
    private readonly password: string,
    private readonly ledger: SoakLedger,
  ) {}

  get unacknowledged(): number {
    return this.outgoing.length
  }

  /** The resumption id of the current (or last) session: `node~random` on a cluster. */
  get previd(): string {
    return this.resumptionId
  }

  /** True while a session is kept for resumption (it has not ended for good). */
  get resumable(): boolean {
    return this.session !== undefined
  }

  /** Connects: resumes the previous session when asked and possible, else starts a new one. */
  async connect(port: number, mode: "resume" | "fresh"): Promise<void> {
    this.state = "connecting"
    try {
      const connection = await rawAuthenticate(port, this.name, this.password)
      this.attach(connection)
      if (mode === "resume" && this.session !== undefined && (await this.resume())) return
      await this.startSession()
    } catch (error) {
      this.connection?.destroy()
      this.connection = undefined
      // What waited for this connection's answers ends with it.
      for (const waiter of this.waiters.splice(0)) waiter.failed(new Error(`${this.name}: gave up`))
      this.state = "offline"
      throw error
    }
  }

  /** Sends messages (id, recipient JID) and asks for an ack. */
  send(messages: ReadonlyArray<{ readonly id: string; readonly to: string }>): void {
    let text = ""
    for (const { id, to } of messages) {
      const xml = chat(to, id)
      this.outgoing.push({ id, xml })
      this.ledger.sent(id, to.split("@")[0] as string)
      text += xml
    }
    this.connection?.send(`${text}<r xmlns='${NS_SM}'/>`)
  }

  /** Asks the server for an ack (end of the run). */
  requestAck(): void {
    this.connection?.send(`<r xmlns='${NS_SM}'/>`)
  }

  /** The network goes away: no closing handshake. */
  drop(): void {
    this.connection?.destroy()
    this.lost()
  }

  /** A clean logout (`</stream:stream>`): the session ends, not resumable. */
  logout(): void {
    this.connection?.send("</stream:stream>")
    this.connection?.socket.end()
    this.lost()
    this.endSession()
  }

  private lost(): void {
    this.connection = undefined
    this.counting = false
    for (const waiter of this.waiters.splice(0)) waiter.failed(new Error(`${this.name}: offline`))
    this.state = "offline"
  }

  /** The previous session is gone for good: what it had not acknowledged stays unacknowledged. */
  private endSession(): void {
    if (this.session !== undefined) this.session.endedUnresumed = true
    this.session = undefined
    this.outgoing = []
    this.outboundBase = 0
    this.inbound = 0
  }

  private attach(connection: RawConnection): void {
    this.connection = connection
    this.counting = false
    this.lastAckSent = undefined
    const parser = new StreamParser(
      {
        onOpen: () => undefined,
        onElement: (element) => this.element(connection, element),
        onClose: () => undefined,
        onError: () => undefined,
      },
      "stream",
      10_000_000,
    )
    parser.write(streamOpening)
    connection.socket.on("data", (chunk: string) => parser.write(chunk))
    connection.socket.on("close", () => {
      if (this.connection !== connection) return
      this.counts.closedByServer += 1
      this.lost()
    })
  }

  private async resume(): Promise<boolean> {
    this.resumeH = this.inbound
    this.connection?.send(
      `<resume xmlns='${NS_SM}' previd='${this.resumptionId}' h='${this.resumeH}'/>`,
    )
    const answer = await this.next((element) => ["resumed", "failed"].includes(element.name))
    if (answer.name === "failed") {
      this.counts.resumeFailed += 1
      this.lastResumeFailure = answer.getChildElements()[0]?.name ?? "(no condition)"
      return false
    }
    this.counts.resumed += 1
    // §5: what the server did not handle before the connection broke is sent again.
    const again = this.outgoing.map((entry) => entry.xml).join("")
    this.connection?.send(`${again}<r xmlns='${NS_SM}'/>`)
    this.state = "online"
    return true
  }

  private async startSession(): Promise<void> {
    this.endSession()
    this.connection?.send(
      `<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>soak</resource></bind></iq>`,
    )
    await this.next((element) => element.name === "iq" && element.attrs.id === "bind")
    this.connection?.send(`<enable xmlns='${NS_SM}' resume='true'/>`)
    await this.next((element) => element.name === "enabled")
    this.counts.freshSessions += 1
    // Initial presence after enabling, so offline messages are counted stanzas (XEP-0160).
    this.outgoing.push({ id: undefined, xml: "<presence/>" })
    this.connection?.send("<presence/>")
    this.state = "online"
  }

  /**
   * Resolves with the next element matching `test` on this connection (10 s at most). A waiter
   * that timed out leaves the list: left there, it took the matching element of every later
   * connection (the soak's "`<resume/>` with no answer", docs/reliability.md third round (c)).
   */
  private next(test: (element: XmlElement) => boolean): Promise<XmlElement> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((each) => each !== waiter)
        reject(new Error(`${this.name}: no answer`))
      }, 10_000)
      const waiter: Waiter = {
        test,
        found: (element) => {
          clearTimeout(timer)
          resolve(element)
        },
        failed: (error) => {
          clearTimeout(timer)
          reject(error)
        },
      }
      this.waiters.push(waiter)
    })
  }

  private element(connection: RawConnection, element: XmlElement): void {
    if (connection !== this.connection) return
    const waiter = this.waiters.find((each) => each.test(element))
    if (waiter !== undefined) {
      this.waiters = this.waiters.filter((each) => each !== waiter)
      waiter.found(element)
    }
    if (element.attrs.xmlns === NS_SM) return void this.streamManagement(element)
    if (!this.counting || !stanzaNames.has(element.name)) return
    this.inbound += 1
    const body = element.getChildText("body")
    const session = this.session
    if (element.name === "message" && body !== null && session !== undefined)
      this.ledger.receivedCopy(body, this.name, session, this.inbound)
  }

  /** Handles XEP-0198 elements as they are parsed: the stanzas after them are counted at once. */
  private streamManagement(element: XmlElement): void {
    if (element.name === "enabled") {
      this.resumptionId = element.attrs.id ?? ""
      this.session = this.ledger.newSession(this.name)
      this.inbound = 0
      this.counting = true
      return
    }
    if (element.name === "resumed" && this.session !== undefined) {
      this.session.confirmedAck = Math.max(this.session.confirmedAck, this.resumeH)
      this.counting = true
      this.outboundAcked(Number(element.attrs.h), "resumed")
      return
    }
    if (element.name === "r") {
      // The server asks again only after it processed our previous answer.
      if (this.lastAckSent !== undefined && this.session !== undefined)
        this.session.confirmedAck = Math.max(this.session.confirmedAck, this.lastAckSent)
      this.lastAckSent = this.inbound
      this.connection?.send(`<a xmlns='${NS_SM}' h='${this.inbound}'/>`)
      return
    }
    if (element.name === "a") this.outboundAcked(Number(element.attrs.h), "a")
  }

  /** The server handled our stanzas up to `h`. */
  private outboundAcked(h: number, by: "a" | "resumed"): void {
    const count = h - this.outboundBase
    if (!Number.isInteger(count) || count < 0 || count > this.outgoing.length) {
      this.counts.impossibleAcks += 1
      return
    }
    for (const { id } of this.outgoing.splice(0, count))
      if (id !== undefined) this.ledger.acknowledged(id, by)
    this.outboundBase = h
  }
}
