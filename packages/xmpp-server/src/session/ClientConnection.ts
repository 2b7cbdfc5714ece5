// One client-to-server stream (RFC 6120 §4) from the first header to the closed socket:
// header checks, STARTTLS (§5), SASL (§6), resource binding (§7), then the bound session
// whose stanzas go to the router. Any transport (TCP, TLS, WebSocket) fits under it.
import { randomBytes } from "node:crypto"
import type { HandedSession } from "../cluster/HandedSession.js"
import { flagsOf, setFlag } from "../cluster/SessionFlags.js"
import type { OpenConnection, ServerCore } from "../core/ServerCore.js"
import { CsiState, canWait, NS_CSI } from "../csi/CsiState.js"
import { type ConnectionTicket, connectionLimitsOf } from "../limits/ConnectionLimits.js"
import { InboundGate } from "../limits/InboundGate.js"
import { sessionEnded } from "../presence/SessionPresence.js"
import { NS_REGISTER, registerBeforeLogin } from "../register/Registration.js"
import { dispatchStanza } from "../routing/Dispatch.js"
import { errorReply, iqResult } from "../routing/StanzaError.js"
import { SaslNegotiation } from "../sasl/SaslNegotiation.js"
import { rerouteUnacked } from "../sm/Reroute.js"
import { SmControl } from "../sm/SmControl.js"
import type { SmRuntime } from "../sm/SmRuntime.js"
import { NS_SM, parseH, SmStream, type Unacked } from "../sm/SmStream.js"
import { takenRow } from "../sm/StoredOrigin.js"
import { loginRefusal } from "../storage/loginRefusal.js"
import { failed } from "../storage/repositories/Outcome.js"
import { streamFeatures, tlsMissing } from "../stream/Features.js"
import { streamFooter, streamHeader } from "../stream/Framing.js"
import { HeldInput } from "../stream/HeldInput.js"
import {
  NS_BIND,
  NS_CLIENT,
  NS_SASL,
  NS_SESSION,
  NS_STANZAS,
  NS_TLS,
} from "../stream/Namespaces.js"
import { type StreamErrorCondition, streamErrorXml } from "../stream/StreamError.js"
import { checkStreamHeader } from "../stream/StreamHeader.js"
import { StreamParser } from "../stream/StreamParser.js"
import { outputLowWaterMark, type Transport } from "../stream/Transport.js"
import { parseElement } from "../xml/parseXml.js"
import { serialize, type XmlElement, xml } from "../xml/Xml.js"
import { chooseResource } from "./ResourceBinding.js"
import type { Session, SessionCloseReason } from "./Session.js"

// "hibernated": XEP-0198 — the connection dropped, the session waits to be resumed.
type Stage = "header" | "negotiating" | "bound" | "hibernated" | "closing"

const stanzaNames = new Set(["message", "presence", "iq"])

/** A client connection; once bound it is also the account's `Session`. */
export class ClientConnection implements Session, OpenConnection {
  readonly id = randomBytes(9).toString("base64url")
  username = ""
  bare = ""
  resource = ""
  full = ""
  priority = 0
  available = false
  presence: XmlElement | undefined = undefined
  rosterRequested = false
  readonly directedPresence = new Set<string>()
  closed = false
  private stage: Stage = "header"
  private headerSent = false
  private authenticated = false
  private closeReason: SessionCloseReason = "closed"
  private unregistered = false
  private parser: StreamParser
  /** The parser of the plaintext stream once STARTTLS began: what it still finds is dropped. */
  private plaintextParser: StreamParser | undefined = undefined
  private plaintextDiscards = 0
  private readonly sasl: SaslNegotiation
  private authTimer: NodeJS.Timeout | undefined
  /** XEP-0198: acks, the outbound queue, rerouting at the end. */
  private readonly sm: SmControl
  /** XEP-0352 state once the client sent `<inactive/>` or `<active/>`. */
  private csi: CsiState | undefined = undefined
  /** Set on a connection that resumed another session: its input goes there. */
  private forward: ClientConnection | undefined = undefined
  private hibernation: NodeJS.Timeout | undefined
  /** Handoffs to another node waiting for this session's writes (see `whenHandled`). */
  private handOutsWaiting = 0
  /** The hibernation ran out while a handoff waited: it ends once that one is done. */
  private hibernationOverMeanwhile = false
  /** `[limits]`: the session's stanza rate and its address's byte rate (src/limits). */
  private readonly inbound: InboundGate
  /** Input that arrives while SASL, registration or the bind's roster load await storage. */
  private readonly held: HeldInput
  /** True while this session holds its account's roster in memory (src/roster/Rosters.ts). */
  private rosterPinned = false
  /** Set once the session moved to another cluster node: it leaves without a presence broadcast. */
  private handedOver = false

  constructor(
    private readonly core: ServerCore,
    private transport: Transport,
    /** Counts this connection against its address's unauthenticated limit until released. */
    private readonly ticket: ConnectionTicket,
  ) {
    this.held = new HeldInput({
      pauseReading: () => this.transport.pause(),
      resumeReading: () => this.transport.resume(),
      overflow: (text) => this.fail("policy-violation", text),
    })
    this.parser = this.newParser()
    const connection = this
    this.sm = new SmControl(core, {
      session: this,
      get bound() {
        return connection.stage === "bound"
      },
      write: (text) => this.write(text),
      fail: (condition, text) => this.fail(condition, text),
      resumable: (id) => core.sm.resumable.set(id, this),
    })
    this.sasl = new SaslNegotiation(core, transport, {
      write: (text) => this.write(text),
      succeeded: (username) => this.authenticatedAs(username),
      fail: (condition, text) => this.fail(condition, text),
      hold: () => this.held.hold(),
    })
    this.inbound = new InboundGate(core.config.limits, connectionLimitsOf(core), {
      limitsAddress: ticket.address,
      feed: (text) => this.parser.write(text),
      get accepting() {
        return connection.stage === "bound"
      },
      handle: (element) => this.handleBound(element),
      overflow: (text) => this.fail("policy-violation", text),
      pauseReading: () => this.transport.pause(),
      resumeReading: () => this.transport.resume(),
    })
    core.connections.add(this)
    transport.attach(
      (text) => this.inbound.received(text),
      () => this.transportClosed(transport),
      (reason) => this.fail("unsupported-encoding", reason),
    )
    // Counted from the accept (before a TLS handshake), however slowly bytes trickle in.
    this.authTimer = setTimeout(
      () => this.fail("connection-timeout", "authentication took too long"),
      Math.max(0, ticket.openedAt + core.config.server.auth_timeout_seconds * 1000 - Date.now()),
    )
    this.authTimer.unref()
  }

  get remoteAddress(): string {
    return this.transport.remoteAddress
  }
  get transportName(): string {
    return this.transport.framing === "stream" ? "tcp" : "websocket"
  }
  get secure(): boolean {
    return this.transport.secure
  }
  get streamManaged(): boolean {
    return this.sm.stream !== undefined
  }
  get hibernated(): boolean {
    return this.stage === "hibernated"
  }
  get clientInactive(): boolean {
    return this.csi?.inactive === true
  }

  unacked(): ReadonlyArray<XmlElement> {
    return this.sm.stream?.queue.map((entry) => entry.stanza) ?? []
  }

  async queuedDurably(stanza: XmlElement): Promise<void> {
    const id = this.sm.stream?.queue.find((entry) => entry.stanza === stanza)?.pendingId
    if (id !== undefined) await this.core.sm.pending?.written(id)
  }

  async takeStored(stanza: XmlElement, key: string): Promise<"taken" | "gone" | "not-queued"> {
    const pending = this.core.sm.pending
    const offline = this.core.modules.stores.offline
    if (this.sm.stream === undefined || pending === undefined || offline?.accepts(stanza) !== true)
      return "not-queued"
    const text = serialize(stanza)
    const pendingId = await pending.take(key, this.username, this.resource, text, Date.now())
    if (pendingId === undefined) return "gone"
    if (!this.closed) {
      takenRow(stanza, pendingId)
      return "taken"
    }
    // Ended while the row was being taken: its message goes where an ended session's go.
    rerouteUnacked(this.core, [{ stanza, text, queuedAt: Date.now(), pendingId, reported: true }])
    return "gone"
  }

  rescheduleHibernationEnd(delayMs: number): boolean {
    if (this.stage !== "hibernated") return false
    clearTimeout(this.hibernation)
    this.hibernation = setTimeout(
      () => this.hibernationOver(),
      Math.min(2 ** 31 - 1, Math.max(0, delayMs)),
    )
    this.hibernation.unref()
    return true
  }

  send(stanza: XmlElement): boolean {
    return this.sendSerialized(stanza, serialize(stanza))
  }

  whenWritable(): Promise<void> {
    const transport = this.transport
    if (this.closed || this.stage !== "bound" || transport.bufferedOutput < outputLowWaterMark)
      return Promise.resolve()
    return new Promise((resolve) => transport.whenDrained(resolve))
  }

  sendSerialized(stanza: XmlElement, text: string): boolean {
    if (this.stage === "hibernated") {
      const queued = this.sm.queueHibernated(stanza, text)
      this.core.modules.stream.heldBack(this, stanza, "hibernated")
      if (queued === "overflow") this.endHibernation()
      return true
    }
    if (this.closed || this.stage !== "bound") {
      this.notifyWritten(stanza, false)
      return false
    }
    const marker = this.core.writeFailureMarker
    if (
      marker !== "" &&
      stanza.name === "message" &&
      stanza.attrs.type !== "error" &&
      text.includes(marker)
    ) {
      this.closeReason = "write-failed"
      const stream = this.sm.stream
      if (stream?.resumable === true) {
        // Like a broken connection: the session hibernates with the stanza unacknowledged
        // (queued before the write fails, as a real write is).
        stream.push(stanza, text).reported = true
        this.notifyWritten(stanza, false)
        this.transport.destroy()
        return false
      }
      this.notifyWritten(stanza, false)
      this.stage = "closing"
      this.unregister()
      this.transport.destroy()
      return false
    }
    const csi = this.csi
    if (csi?.inactive === true) {
      if (canWait(stanza)) {
        csi.hold(stanza, text)
        this.core.modules.stream.heldBack(this, stanza, "csi")
        return true
      }
      for (const held of csi.release()) this.writeStanza(held.stanza, held.text)
    }
    return this.writeStanza(stanza, text)
  }

  /** Writes a stanza to the socket: queued for XEP-0198 acks, tracked until handed to the OS. */
  private writeStanza(stanza: XmlElement, text: string): boolean {
    const entry = this.sm.queue(stanza, text)
    if (entry === "overflow") {
      this.fail("policy-violation", "too many unacknowledged stanzas")
      return false
    }
    if (entry !== undefined) this.sm.requestAck()
    const written = this.writeTracked(stanza, text, entry)
    if (!written && this.closeReason === "closed") this.closeReason = "write-failed"
    return written
  }

  /** Writes and tracks one stanza; `stanzaWritten` learns a queued stanza's outcome only once. */
  private writeTracked(stanza: XmlElement, text: string, entry?: Unacked): boolean {
    const settled = this.core.sm.current?.begin()
    const hooks = this.core.modules.stanzaWritten
    return this.transport.write(text, (ok) => {
      settled?.()
      if (entry !== undefined) {
        if (entry.reported) return
        entry.reported = true
      }
      if (hooks.length > 0) this.notifyWritten(stanza, ok)
    })
  }

  close(reason: SessionCloseReason, condition?: string, text?: string): void {
    if (this.forward !== undefined) return void this.forward.close(reason, condition, text)
    this.closeReason = reason
    if (this.stage === "hibernated") return void this.endHibernation()
    if (condition !== undefined) {
      this.fail(condition as StreamErrorCondition, text)
      return
    }
    if (this.stage === "closing") return
    this.stage = "closing"
    this.held.stop()
    this.unregister()
    this.write(streamFooter(this.transport.framing))
    this.transport.end()
  }

  askFinalAck(): (() => boolean) | undefined {
    return this.sm.askFinalAck()
  }

  shutdown(): void {
    this.closeReason = "shutdown"
    this.fail("system-shutdown")
  }

  destroy(): void {
    this.transport.destroy()
  }

  private write(text: string): void {
    this.transport.write(text)
  }

  private newParser(): StreamParser {
    const parser: StreamParser = new StreamParser(
      {
        onOpen: (name, attrs) => {
          if (this.discarded(parser, name)) return
          if (this.held.holding) this.held.later(() => this.opened(name, attrs))
          else this.opened(name, attrs)
        },
        onElement: (element) => {
          if (this.discarded(parser, element.name)) return
          if (this.held.holding) this.held.later(() => this.received(element))
          else this.received(element)
        },
        // After the elements still waiting for their turn (src/limits/InboundGate.ts), and
        // after those held while SASL or registration awaited storage (HeldInput).
        onClose: () => {
          if (this.discarded(parser, "stream end")) return
          const close = () => (this.forward ?? this).inbound.afterInput(() => this.close("closed"))
          if (this.held.holding) this.held.later(close)
          else close()
        },
        onError: (condition, text) => {
          if (this.discarded(parser, condition)) return
          const fail = () =>
            (this.forward ?? this).inbound.afterInput(() => this.fail(condition, text))
          if (this.held.holding) this.held.later(fail)
          else fail()
        },
      },
      this.transport.framing,
      this.core.config.server.max_stanza_bytes,
    )
    return parser
  }

  /**
   * True (and logged) for what the plaintext parser still finds after `<starttls/>`: bytes
   * sent before the TLS handshake must never count as part of the TLS session (RFC 6120
   * §5.4.3.3; the CVE-2011-0411 command injection), so they are dropped, not processed.
   */
  private discarded(parser: StreamParser, what: string): boolean {
    if (parser !== this.plaintextParser) return false
    // Logged once per stream: one read can carry thousands of tiny elements.
    if (this.plaintextDiscards === 0)
      this.core.logger.warn("starttls-plaintext-discarded", {
        stream: this.id,
        address: this.remoteAddress,
        first: what,
      })
    this.plaintextDiscards += 1
    return true
  }

  /** RFC 6120 §4.9: header if none was sent, the error, the footer, then close. */
  private fail(condition: StreamErrorCondition, text?: string): void {
    if (this.forward !== undefined) return void this.forward.fail(condition, text)
    if (this.stage === "hibernated") return void this.endHibernation()
    if (this.stage === "closing" || this.closed) return
    this.inbound.stop()
    this.held.stop()
    if (this.closeReason === "closed") this.closeReason = "stream-error"
    this.core.logger.info("stream-error-sent", {
      stream: this.id,
      condition,
      text,
      address: this.remoteAddress,
    })
    if (!this.headerSent)
      this.write(streamHeader(this.transport.framing, this.core.domain, this.id))
    this.stage = "closing"
    this.unregister()
    this.write(streamErrorXml(condition, text))
    this.write(streamFooter(this.transport.framing))
    this.transport.end()
  }

  private opened(name: string, attrs: Readonly<Record<string, string>>): void {
    if (this.stage !== "header") {
      this.fail("bad-format", "unexpected stream header")
      return
    }
    const problem = checkStreamHeader(this.transport.framing, name, attrs, this.core.domain)
    if (problem !== undefined) {
      this.fail(problem.condition, problem.text)
      return
    }
    // Issue 22/23: while storage is down or the node lost NATS, a new login is refused at once
    // rather than left hanging.
    const refused = this.authenticated
      ? undefined
      : loginRefusal(this.core.storageHealth, this.core.clusterHealth)
    if (refused !== undefined) return void this.fail(refused.condition, refused.text)
    this.write(streamHeader(this.transport.framing, this.core.domain, this.id))
    this.headerSent = true
    this.stage = "negotiating"
    this.write(
      serialize(
        streamFeatures(this.core, this.transport, this.authenticated, this.sasl.mechanisms),
      ),
    )
  }

  private received(element: XmlElement): void {
    if (this.forward !== undefined) return void this.forward.received(element)
    if (this.stage === "bound") {
      if (this.inbound.admit(element)) this.handleBound(element)
      return
    }
    if (this.stage === "header") {
      const framingElement = element.name === "open" || element.name === "close"
      this.fail(
        framingElement ? "invalid-namespace" : "bad-format",
        "the stream must be opened first",
      )
      return
    }
    if (this.stage !== "negotiating") return
    const namespace = element.attrs.xmlns
    if (namespace === NS_TLS && element.name === "starttls") {
      this.startTls()
      return
    }
    if (namespace === NS_SASL && !this.authenticated) {
      this.sasl.handle(element)
      return
    }
    if (this.authenticated && namespace === NS_SM && element.name === "resume")
      return void this.resume(element)
    if (this.authenticated && element.name === "iq" && namespace === NS_CLIENT) {
      const bind = element.getChild("bind", NS_BIND)
      if (bind !== undefined && element.attrs.type === "set") {
        this.bind(element, bind)
        return
      }
    }
    if (!this.authenticated && element.name === "iq" && namespace === NS_CLIENT) {
      const registration = this.core.sm.register
      if (registration !== undefined && element.getChild("query", NS_REGISTER) !== undefined) {
        if (!tlsMissing(this.core, this.transport)) return void this.register(element, registration)
        const reply = errorReply(element, "not-allowed", { text: "start TLS before registering" })
        if (reply !== undefined) this.write(serialize(reply))
        return
      }
    }
    if (namespace === NS_CLIENT && stanzaNames.has(element.name)) {
      this.fail("not-authorized", "authenticate and bind a resource first")
      return
    }
    this.fail("unsupported-stanza-type", `<${element.name}/> is not expected here`)
  }

  /** XEP-0077 §3.1: the reply goes out once the account is durable; input waits for it. */
  private register(iq: XmlElement, registration: NonNullable<SmRuntime["register"]>): void {
    const release = this.held.hold()
    registerBeforeLogin(
      this.core,
      registration.settings,
      registration.limiter,
      iq,
      this.remoteAddress,
    ).then(
      (reply) => {
        this.write(serialize(reply))
        release()
      },
      (error: unknown) => {
        this.core.logger.error("registration-failed", { stream: this.id, error })
        const reply = errorReply(iq, "internal-server-error")
        if (reply !== undefined) this.write(serialize(reply))
        release()
      },
    )
  }

  /** A top-level element of a bound session, once the rate limit let it through. */
  private handleBound(element: XmlElement): void {
    if (element.attrs.xmlns === NS_SM) return void this.sm.nonza(element)
    if (element.attrs.xmlns === NS_CSI) return void this.clientState(element)
    if (element.attrs.xmlns !== NS_CLIENT || !stanzaNames.has(element.name)) {
      this.fail("unsupported-stanza-type", `<${element.name}/> is not a stanza`)
      return
    }
    if (element.name === "iq" && element.getChild("session", NS_SESSION) !== undefined)
      return void this.send(iqResult(this.stamped(element)))
    const runtime = this.core.sm
    const outer = runtime.current
    runtime.current = this.sm.stream === undefined ? undefined : this.sm.handoff
    try {
      dispatchStanza(this.core, this, element)
    } catch (error) {
      this.core.logger.error("stanza-handling-failed", { session: this.full, error })
      const reply = errorReply(element, "internal-server-error", { from: this.core.domain })
      if (reply !== undefined) this.send(reply)
    } finally {
      runtime.current = outer
    }
    this.sm.stream?.handled()
  }

  private startTls(): void {
    if (!this.transport.canStartTls || this.authenticated) {
      this.write(`<failure xmlns='${NS_TLS}'/>`)
      this.stage = "closing"
      this.write(streamFooter(this.transport.framing))
      this.transport.end()
      return
    }
    this.write(`<proceed xmlns='${NS_TLS}'/>`)
    // Whatever was received after `<starttls/>` is plaintext: the rest of this read (its
    // parser is retired here) and reads held back by the byte budget are dropped.
    this.inbound.stop()
    this.plaintextParser = this.parser
    this.transport.startTls()
    this.restart()
  }

  private authenticatedAs(username: string): void {
    this.authenticated = true
    this.username = username
    this.bare = `${username}@${this.core.domain}`
    this.restart()
  }

  /** RFC 6120 §4.3.3: after STARTTLS and SASL both sides start a new stream. */
  private restart(): void {
    this.headerSent = false
    this.stage = "header"
    this.parser = this.newParser()
  }

  private stamped(iq: XmlElement): XmlElement {
    iq.attrs.from = this.full === "" ? undefined : this.full
    iq.attrs.to = undefined
    return iq
  }

  /**
   * RFC 6120 §7.6–7.7: bind the requested resource (or a generated one), once the account's
   * roster is in memory (read now when it is not), so that presence and roster requests of
   * the session never wait for storage. Input arriving meanwhile waits in order.
   */
  private bind(iq: XmlElement, bind: XmlElement): void {
    if (this.core.rosters.ready(this.username)) return void this.bindResource(iq, bind)
    const release = this.held.hold()
    this.core.rosters.whenLoaded(this.username, (outcome) => {
      if (this.closed || this.stage !== "negotiating") return release()
      if (failed(outcome)) {
        const error = errorReply(this.stamped(iq), "internal-server-error", {
          type: "wait",
          text: "the roster could not be read; try again later",
        })
        if (error !== undefined) this.write(serialize(error))
      } else this.bindResource(iq, bind)
      release()
    })
  }

  private bindResource(iq: XmlElement, bind: XmlElement): void {
    const choice = chooseResource(this.core, this.bare, bind)
    if (choice.kind === "refuse") {
      const error = errorReply(this.stamped(iq), choice.condition, { text: choice.text })
      if (error !== undefined) this.write(serialize(error))
      return
    }
    const resource = choice.resource
    this.resource = resource
    this.full = `${this.bare}/${resource}`
    this.stage = "bound"
    clearTimeout(this.authTimer)
    this.ticket.release()
    this.core.rosters.pin(this.username)
    this.rosterPinned = true
    const replaced = this.core.sessions.add(this)
    if (replaced !== undefined) {
      sessionEnded(this.core, replaced)
      replaced.close("replaced", "conflict", "replaced by a new session")
    }
    this.core.cluster?.bound(this)
    const payload = xml("bind", { xmlns: NS_BIND }, xml("jid", {}, this.full))
    this.write(serialize(xml("iq", { xmlns: NS_CLIENT, type: "result", id: iq.attrs.id }, payload)))
    this.core.logger.info("session-opened", {
      session: this.full,
      stream: this.id,
      transport: this.transportName,
    })
    this.sessionOpenedHooks()
  }

  /** XEP-0352 §5: `<active/>` writes what was held back; `<inactive/>` starts holding. */
  private clientState(element: XmlElement): void {
    if (!this.core.sm.csi) return void this.fail("unsupported-stanza-type", "CSI is not enabled")
    if (element.name !== "active" && element.name !== "inactive")
      return void this.fail("unsupported-stanza-type", `<${element.name}/>`)
    this.csi ??= new CsiState()
    this.csi.inactive = element.name === "inactive"
    if (!this.csi.inactive)
      for (const held of this.csi.release()) this.writeStanza(held.stanza, held.text)
  }

  /** XEP-0198 §5: after authentication, take over a resumable session of the same account. */
  private resume(element: XmlElement): void {
    const found = this.core.sm.resumable.get(element.attrs.previd ?? "")
    // Only a connection of this server's own kind can be taken over (the map holds no other).
    const target = found instanceof ClientConnection ? found : undefined
    const h = parseH(element.attrs.h)
    const cluster = this.core.cluster
    if (found === undefined && cluster !== undefined && h !== undefined)
      return void this.resumeFromNode(cluster, element.attrs.previd ?? "", h)
    if (target === undefined || target.bare !== this.bare || target.closed || h === undefined)
      return void this.write(
        `<failed xmlns='${NS_SM}'><item-not-found xmlns='${NS_STANZAS}'/></failed>`,
      )
    clearTimeout(this.authTimer)
    this.ticket.release()
    this.core.connections.delete(this)
    this.forward = target
    target.adopt(this.transport, h)
  }

  /**
   * XEP-0198 across cluster nodes, the new node: asks the node that holds the session for it
   * (input waits meanwhile) and continues it on this connection; `item-not-found` when no node
   * has it (expired, or its node died: its acknowledged stanzas are in offline storage then).
   */
  private resumeFromNode(cluster: NonNullable<ServerCore["cluster"]>, previd: string, h: number) {
    const release = this.held.hold()
    // Every `<resume/>` gets its answer: an ask that failed counts as "no node has it".
    const asked = cluster.takeOver(previd, this.bare, h).catch((error: unknown) => {
      this.core.logger.error("cluster-takeover-failed", { stream: this.id, error })
      return undefined
    })
    void asked.then((answer) => {
      if (this.closed || this.stage !== "negotiating") {
        if (typeof answer === "object") cluster.handOverDone(answer.node, answer.ticket, false)
        return release()
      }
      if (answer === "h-too-high")
        this.fail("undefined-condition", "h acknowledges more than was sent")
      else if (answer === undefined)
        this.write(`<failed xmlns='${NS_SM}'><item-not-found xmlns='${NS_STANZAS}'/></failed>`)
      else {
        const { session, node, ticket } = answer
        this.core.rosters.whenLoaded(this.username, (outcome) => {
          const continued = !this.closed && this.stage === "negotiating" && !failed(outcome)
          if (continued) {
            this.continueHanded(session)
            cluster.handOverDone(node, ticket, true)
          } else {
            this.write(`<failed xmlns='${NS_SM}'><item-not-found xmlns='${NS_STANZAS}'/></failed>`)
            cluster.handOverDone(node, ticket, false)
          }
          release()
        })
        return
      }
      release()
    })
  }

  /** The new node: this connection becomes the handed-over session and resends what is unacked. */
  private continueHanded(handed: HandedSession): void {
    const slash = handed.full.indexOf("/")
    this.resource = handed.full.slice(slash + 1)
    this.full = handed.full
    this.stage = "bound"
    clearTimeout(this.authTimer)
    this.ticket.release()
    this.core.rosters.pin(this.username)
    this.rosterPinned = true
    this.priority = handed.priority
    this.available = handed.available
    this.presence = handed.presence === "" ? undefined : parseElement(handed.presence)
    this.rosterRequested = handed.rosterRequested
    for (const jid of handed.directed) this.directedPresence.add(jid)
    for (const flag of handed.flags) setFlag(this, flag, true)
    const stream = new SmStream(true, {
      id: handed.previd,
      inbound: handed.inbound,
      acked: handed.acked,
    })
    this.sm.stream = stream
    this.core.sm.resumable.set(stream.id, this)
    const replaced = this.core.sessions.add(this)
    if (replaced !== undefined) replaced.close("replaced", "conflict", "replaced by a new session")
    this.core.cluster?.bound(this)
    this.write(`<resumed xmlns='${NS_SM}' previd='${stream.id}' h='${stream.inbound}'/>`)
    for (const { text } of handed.stanzas) {
      const stanza = parseElement(text)
      if (stanza !== undefined) this.writeStanza(stanza, text)
    }
    this.core.logger.info("session-resumed", {
      session: this.full,
      resent: handed.stanzas.length,
      from_node: "cluster",
    })
    // New on this node: modules see it open here (the old node ran `sessionClosed`), then
    // resumed, as a session resumed on its own node was opened there before.
    this.sessionOpenedHooks()
    this.core.modules.stream.resumed(this)
  }

  /**
   * XEP-0198 across cluster nodes, the old node: applies the client's `h`, then leaves this
   * node without a presence broadcast or a reroute (the session goes on elsewhere) and answers
   * what the new node needs. The unacknowledged entries (with their `sm_pending` rows) stay
   * with the caller until the new node confirms.
   */
  whenHandled(task: () => void): void {
    this.handOutsWaiting += 1
    this.sm.handoff.whenSettled(() => {
      this.handOutsWaiting -= 1
      task()
      if (this.handOutsWaiting > 0 || !this.hibernationOverMeanwhile) return
      this.hibernationOverMeanwhile = false
      this.endHibernation()
    })
  }

  /**
   * The resume timeout ran out. A node waiting for this session (`whenHandled`) keeps it until
   * it was handed over: the client is already back there, and a write owed by a node that died
   * can hold the handoff longer than the timeout (found by the cluster soak, seed 1454274731).
   */
  private hibernationOver(): void {
    if (this.handOutsWaiting === 0) return void this.endHibernation()
    this.hibernationOverMeanwhile = true
  }

  handOver(h: number): { session: HandedSession; entries: ReadonlyArray<Unacked> } | "h-too-high" {
    const stream = this.sm.stream as SmStream
    if (!this.sm.acknowledge(h)) return "h-too-high"
    const entries = stream.drain()
    const session: HandedSession = {
      full: this.full,
      previd: stream.id,
      inbound: stream.inbound,
      acked: h,
      stanzas: entries.map(({ text, queuedAt }) => ({ text, queuedAt })),
      priority: this.priority,
      available: this.available,
      presence: this.presence === undefined ? "" : serialize(this.presence),
      rosterRequested: this.rosterRequested,
      directed: [...this.directedPresence],
      flags: flagsOf(this),
    }
    this.handedOver = true
    clearTimeout(this.hibernation)
    this.sm.stopTimer()
    this.core.sm.resumable.delete(stream.id)
    this.closed = true
    this.closeReason = "replaced"
    const wasBound = this.stage === "bound"
    this.stage = "closing"
    this.core.connections.delete(this)
    this.unregister()
    if (wasBound) this.transport.destroy()
    this.sessionClosedHooks()
    return { session, entries }
  }

  /** Continues this session on `transport` (the resuming connection's), resending unacked stanzas. */
  private adopt(transport: Transport, h: number): void {
    const stream = this.sm.stream as SmStream
    const previous = this.transport
    this.transport = transport
    if (this.stage === "bound") previous.destroy()
    this.inbound.stop()
    clearTimeout(this.hibernation)
    this.sm.stopTimer()
    this.stage = "bound"
    this.closeReason = "closed"
    this.core.connections.add(this)
    if (!this.sm.acknowledge(h))
      return void this.fail("undefined-condition", "h acknowledges more than was sent")
    this.write(`<resumed xmlns='${NS_SM}' previd='${stream.id}' h='${stream.inbound}'/>`)
    for (const entry of stream.queue) this.writeTracked(entry.stanza, entry.text, entry)
    if (stream.queue.length > 0) this.sm.requestAck()
    this.core.logger.info("session-resumed", { session: this.full, resent: stream.queue.length })
    this.core.modules.stream.resumed(this)
  }

  /** XEP-0198 §5: the connection dropped; stay routable and queue stanzas until resumed. */
  private hibernate(seconds: number): void {
    this.stage = "hibernated"
    this.sm.stopTimer()
    this.hibernationOverMeanwhile = false
    this.hibernation = setTimeout(() => this.hibernationOver(), seconds * 1000)
    this.hibernation.unref()
    this.core.logger.info("session-hibernated", { session: this.full, seconds })
    this.core.modules.stream.hibernated(this)
  }

  /** Ends a hibernated session for good (timeout, replaced, shutdown): unacked messages rerouted. */
  endHibernation(): void {
    if (this.stage !== "hibernated") return
    clearTimeout(this.hibernation)
    this.closed = true
    this.stage = "closing"
    this.unregister()
    this.sessionClosedHooks()
    this.sm.ended()
  }

  private transportClosed(transport: Transport): void {
    if (this.forward !== undefined) return void this.forward.transportClosed(transport)
    this.ticket.release()
    if (this.closed || transport !== this.transport || this.stage === "hibernated") return
    clearTimeout(this.authTimer)
    this.inbound.stop()
    this.core.connections.delete(this)
    const settings = this.core.sm.settings
    if (
      this.stage === "bound" &&
      this.sm.stream?.resumable === true &&
      settings !== undefined &&
      !this.core.lifecycle.stopping
    )
      return void this.hibernate(settings.resume_timeout)
    this.closed = true
    this.stage = "closing"
    if (this.full === "") return
    this.unregister()
    this.sessionClosedHooks()
    this.sm.ended()
  }

  /**
   * Leaves routing as soon as the stream starts closing, so no stanza is routed to a session
   * that can no longer take it; broadcasts unavailable presence if it was available.
   */
  private unregister(): void {
    if (this.full === "" || this.unregistered) return
    this.unregistered = true
    if (this.core.sessions.remove(this)) {
      this.core.cluster?.unbound(this)
      if (!this.handedOver) sessionEnded(this.core, this)
    }
    if (this.rosterPinned) this.core.rosters.unpin(this.username)
    this.rosterPinned = false
  }

  /** Module `sessionOpened` hooks: after binding, or a session handed over from another node. */
  private sessionOpenedHooks(): void {
    try {
      for (const hook of this.core.modules.sessionOpened) hook(this)
    } catch (error) {
      this.core.logger.error("module-hook-failed", { hook: "sessionOpened", error })
    }
  }

  private sessionClosedHooks(): void {
    this.core.logger.info("session-closed", {
      session: this.full,
      stream: this.id,
      reason: this.closeReason,
    })
    try {
      for (const hook of this.core.modules.sessionClosed) hook(this, this.closeReason)
    } catch (error) {
      this.core.logger.error("module-hook-failed", { hook: "sessionClosed", error })
    }
  }

  /** Module `stanzaWritten` hooks; a throwing module is logged, never fatal (socket callbacks). */
  private notifyWritten(stanza: XmlElement, ok: boolean): void {
    try {
      for (const hook of this.core.modules.stanzaWritten) hook(this, stanza, ok)
    } catch (error) {
      this.core.logger.error("module-hook-failed", { hook: "stanzaWritten", error })
    }
  }
}
