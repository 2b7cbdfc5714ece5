// XEP-0198 §3–§4 for one session: answers `<enable/>`, `<r/>` and `<a/>`, queues the stanzas
// written to the client, asks for acks after each burst (reporting `ackDelayed` when none
// comes), and when the session ends for good reroutes what was never acknowledged. The
// connection keeps the transport-level parts (hibernation, resumption); see ClientConnection.
import type { ServerCore } from "../core/ServerCore.js"
import type { Session } from "../session/Session.js"
import { NS_STANZAS } from "../stream/Namespaces.js"
import type { StreamErrorCondition } from "../stream/StreamError.js"
import type { XmlElement } from "../xml/Xml.js"
import { HandoffTracker } from "./Handoff.js"
import { rerouteUnacked } from "./Reroute.js"
import { NS_SM, parseH, SmStream, type Unacked } from "./SmStream.js"
import { takeTakenRow } from "./StoredOrigin.js"

/** What SmControl needs from its connection. */
export interface SmHost {
  /** The session as modules see it (hooks get it). */
  readonly session: Session
  /** True while the stream is bound to a live connection. */
  readonly bound: boolean
  /** Writes a nonza. */
  write(text: string): void
  /** Ends the stream with a stream error. */
  fail(condition: StreamErrorCondition, text: string): void
  /** Called once resumption was granted, with the resumption id. */
  resumable(id: string): void
}

/** Stream management of one session (inactive until the client sends `<enable/>`). */
export class SmControl {
  stream: SmStream | undefined = undefined
  /** Writes caused by this session's stanzas that did not reach the OS yet (gates `<a/>`). */
  readonly handoff = new HandoffTracker()
  private ackTimer: NodeJS.Timeout | undefined
  private ackRequestScheduled = false
  /** `<a/>` elements processed so far (the graceful stop waits for one more). */
  private answers = 0

  constructor(
    private readonly core: ServerCore,
    private readonly host: SmHost,
  ) {}

  /** Handles an element of the XEP-0198 namespace on a bound stream. */
  nonza(element: XmlElement): void {
    const settings = this.core.sm.settings
    if (element.name === "enable") {
      if (settings === undefined || this.stream !== undefined)
        return void this.host.write(
          `<failed xmlns='${NS_SM}'><unexpected-request xmlns='${NS_STANZAS}'/></failed>`,
        )
      const wanted = element.attrs.resume === "true" || element.attrs.resume === "1"
      const cluster = this.core.cluster
      const stream = new SmStream(
        wanted && settings.resume_timeout > 0,
        undefined,
        cluster === undefined ? "" : `${cluster.link.node}~`,
      )
      this.stream = stream
      if (!stream.resumable) return void this.host.write(`<enabled xmlns='${NS_SM}'/>`)
      this.host.resumable(stream.id)
      return void this.host.write(
        `<enabled xmlns='${NS_SM}' id='${stream.id}' resume='true' max='${settings.resume_timeout}'/>`,
      )
    }
    const stream = this.stream
    if (stream === undefined)
      return void this.host.fail("unsupported-stanza-type", "enable stream management first")
    if (element.name === "r") {
      const h = stream.inbound
      // Crash safety: `<a/>` only once what the counted stanzas caused reached the sockets.
      this.handoff.whenSettled(() => {
        if (this.host.bound) this.host.write(`<a xmlns='${NS_SM}' h='${h}'/>`)
      })
      return
    }
    if (element.name !== "a")
      return void this.host.fail("unsupported-stanza-type", `<${element.name}/>`)
    const h = parseH(element.attrs.h)
    if (h === undefined || !this.acknowledge(h))
      return void this.host.fail("undefined-condition", "h acknowledges more than was sent")
    this.answers += 1
  }

  /**
   * Asks for a last `<a/>` before the server stops, when stanzas wait for one (`<r/>`, unless
   * a request is still unanswered: the server asks again only after an answer); returns a
   * check that is true once an answer came. What the client acknowledges then is not
   * rerouted to offline storage and sent again after the restart.
   */
  askFinalAck(): (() => boolean) | undefined {
    const stream = this.stream
    if (stream === undefined || stream.queue.length === 0 || !this.host.bound) return undefined
    const before = this.answers
    // A request still unanswered is the last one: its answer is what the stop waits for.
    if (this.ackTimer === undefined) this.sendAckRequest()
    return () => this.answers > before
  }

  /** Applies the client's `h` (from `<a/>` or `<resume/>`); false when it is too high. */
  acknowledge(h: number): boolean {
    const acked = this.stream?.acknowledgeEntries(h) ?? []
    if (acked === "too-high") return false
    this.stopTimer()
    for (const entry of acked) {
      // Confirmed by the client: its durable copy goes (see `queue`). The answer to the
      // client's next `<r/>` waits for that delete: a node killed before it committed would
      // otherwise move the row to offline storage and deliver an acknowledged message again
      // (found by the cluster soak, seed 265341987: 24 messages a session on the killed node
      // had just taken from offline storage and acknowledged).
      if (entry.pendingId !== undefined)
        this.core.sm.pending?.remove(entry.pendingId, this.handoff.begin())
      entry.pendingId = undefined
      this.core.modules.stream.acked(this.host.session, entry.stanza)
    }
    return true
  }

  /**
   * Queues a stanza about to be written (undefined while stream management is off);
   * "overflow" when the session holds more than `max_unacked` unacknowledged stanzas.
   *
   * Crash safety: a message offline storage would keep also gets a durable copy in
   * `sm_pending` until the client acknowledges it, and the sender's `<a/>` waits for that
   * commit as it waits for the socket write. A socket write alone is not enough: when the
   * process dies, the kernel resets a connection that has unread input and drops what it had
   * not yet sent, and a client whose connection dropped never got what the dead socket took
   * (both found by the soak test, issue 10 item 4). After a crash the copies go to offline
   * storage (SmRecovery), so a message the client got but had not acknowledged comes again:
   * XEP-0198 §5 treats unacknowledged stanzas as undelivered. A message from offline storage
   * comes with its durable copy written already (src/sm/StoredOrigin.ts).
   */
  queue(stanza: XmlElement, text: string): Unacked | "overflow" | undefined {
    const stream = this.stream
    if (stream === undefined) return undefined
    const entry = stream.push(stanza, text)
    const pending = this.core.sm.pending
    const taken = takeTakenRow(stanza)
    if (taken !== undefined) entry.pendingId = taken
    else if (pending !== undefined && this.core.modules.stores.offline?.accepts(stanza) === true) {
      const { username, resource } = this.host.session
      const settled = this.core.sm.current?.begin()
      entry.pendingId = pending.add(username, resource, text, entry.queuedAt, settled)
    }
    return stream.queue.length > (this.core.sm.settings?.max_unacked ?? 0) ? "overflow" : entry
  }

  /** Queues a message for a hibernated session (with its durable copy, see `queue`). */
  queueHibernated(stanza: XmlElement, text: string): Unacked | "overflow" | undefined {
    return this.queue(stanza, text)
  }

  /** Asks the client for an ack after this tick's writes; `ackDelayed` if none comes in time. */
  requestAck(): void {
    if (this.ackRequestScheduled) return
    this.ackRequestScheduled = true
    setImmediate(() => {
      this.ackRequestScheduled = false
      if (this.host.bound && this.ackTimer === undefined) this.sendAckRequest()
    })
  }

  /** Writes `<r/>` and reports `ackDelayed` when no answer comes within `ack_timeout`. */
  private sendAckRequest(): void {
    const settings = this.core.sm.settings
    if (settings === undefined) return
    this.host.write(`<r xmlns='${NS_SM}'/>`)
    this.ackTimer = setTimeout(() => {
      this.ackTimer = undefined
      const unacked = this.stream?.queue.map((entry) => entry.stanza) ?? []
      if (unacked.length > 0) this.core.modules.stream.ackDelayed(this.host.session, unacked)
    }, settings.ack_timeout * 1000)
    this.ackTimer.unref()
  }

  /** Forgets a pending ack request (the connection dropped or was replaced). */
  stopTimer(): void {
    clearTimeout(this.ackTimer)
    this.ackTimer = undefined
  }

  /** The session ended for good: unacknowledged messages are rerouted, then `gone` runs. */
  ended(): void {
    const stream = this.stream
    if (stream === undefined) return
    this.core.sm.resumable.delete(stream.id)
    this.stopTimer()
    const unacked = stream.drain()
    rerouteUnacked(this.core, unacked)
    this.core.modules.stream.gone(
      this.host.session,
      unacked.map((entry) => entry.stanza),
    )
  }
}
