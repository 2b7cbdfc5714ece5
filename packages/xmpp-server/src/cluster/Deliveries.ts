// Stanzas for sessions on other cluster nodes, and their confirmations (spec/cluster.md
// guarantees 1, 2 and 6). What one node has for another in one event-loop turn travels as one
// NATS message on `n.<node>.dlv`; the owner writes each stanza to its session and answers the
// messages, again batched per turn, on `n.<origin>.ack` once the socket write settled (or the
// stanza was queued for a hibernated or inactive session) and what it caused is durable — its
// XEP-0198 `sm_pending` row committed — or, when the sender's AMP waits for it, once the client
// acknowledged it. Batching keeps the cost of a cross-node message near that of a local one:
// under load one NATS message carries many stanzas, and no timer or promise exists per stanza.
// A batch goes out at the end of the event-loop turn while the link is quiet; while it is busy
// (several items a millisecond) it waits for the rest of the millisecond after the previous
// flush, so a busy node makes about one NATS write per millisecond rather than one per turn
// (src/cluster/BatchPacing.ts; docs/performance.md, Cluster).
//
// The origin learns each outcome through the modules' `stanzaWritten` hooks, as from a local
// socket write (and `acked`, for AMP's `direct_confirm = "ack"`); the sender's XEP-0198 `<a/>`
// waits for it. A message not confirmed within the timeout, refused, or owed by a node that
// died falls back as a failed local write would: AMP decides about its own messages, any other
// message goes to offline storage (src/cluster/Fallback.ts). Presence and IQs need no answer.
//
// Wire format (text): the first line names the sending node and its incarnation (a random id
// per process start); then one frame per stanza,
// `SEQ CONFIRM LENGTH TO\n` + the stanza's text (LENGTH in UTF-16 code units; CONFIRM is `w`
// write, `a` ack, `-` none; TO last, since a resource may contain spaces). Acks: the owner's
// name and the incarnation of the origin the answers are for, then `SEQ+` / `SEQ-` / `SEQ~`
// items separated by commas. A restarted node numbers its messages from 1 again under the same
// name: answers meant for its previous process are ignored, or they would settle its new
// messages of the same numbers, unwritten, as written (its senders' `<a/>` released for them). `~`: the write failed but the
// stanza is in the session's XEP-0198 queue, which answers for it (re-sent on resumption, here
// or on another node; rerouted to offline storage when the session ends): the origin's modules
// learn the failure, but the origin does not store the message offline as well (it would come
// twice; found by the cluster soak, docs/reliability.md).
import type { ServerCore } from "../core/ServerCore.js"
import type { Session } from "../session/Session.js"
import { HandoffTracker } from "../sm/Handoff.js"
import { lazyElement } from "../xml/LazyElement.js"
import type { XmlElement } from "../xml/Xml.js"
import { BatchPacing } from "./BatchPacing.js"
import type { ClusterLink } from "./ClusterLink.js"
import { confirmationWanted } from "./Confirmations.js"
import { fallBackToOffline } from "./Fallback.js"
import { FrameParts } from "./FrameBytes.js"
import { type Confirm, eachAnswer, frameHeadAt } from "./FrameHead.js"
import type { RemoteSession } from "./RemoteSession.js"

/** A frame header's confirm field with the spaces around it, one string per kind. */
const confirmField: Readonly<Record<Confirm, string>> = { w: " w ", a: " a ", "-": " - " }

/** A message sent to another node, waiting for its answer. */
interface Outgoing {
  readonly node: string
  readonly session: RemoteSession
  readonly stanza: XmlElement
  /** What a module waits for (AMP), or undefined: the cluster's own fallback applies. */
  readonly wanted: "ack" | "write" | undefined
  /** Releases the sender's XEP-0198 `<a/>`. */
  readonly handedOn: (() => void) | undefined
  readonly sentAt: number
}

/** A stanza from another node, written here, whose outcome that node waits for. */
interface Incoming {
  readonly origin: string
  /** The incarnation of the origin that sent it (its answers name it). */
  readonly originIncarnation: string
  readonly seq: number
  readonly ack: boolean
  /**
   * The writes the delivery caused (its `sm_pending` row): only a stream-managed or hibernated
   * session makes any beyond the socket write, whose own outcome the answer already waits for.
   */
  readonly durable: HandoffTracker | undefined
}

const decoder = new TextDecoder()

/** What the deliveries need from the node. */
export interface DeliveryOptions {
  readonly core: ServerCore
  readonly link: ClusterLink
  /** This process's incarnation (src/cluster/ClusterNode.ts): answers for another are stale. */
  readonly incarnation: string
  /** `xa.<domain>.n.<node>.<name>`. */
  readonly nodeSubject: (node: string, name: string) => string
  readonly timeoutMs: number
  /** A node failed a delivery: what this node knows of it may be stale. */
  readonly doubt: (node: string) => void
}

/** Both sides of cross-node delivery for one node. */
export class Deliveries {
  private seq = 0
  /**
   * Frames per node, as parts written straight into the NATS message at flush (src/cluster/
   * FrameBytes.ts); kept and emptied, not made anew per batch.
   */
  private readonly outboxes = new Map<string, FrameParts>()
  /** Answers per origin, then per its incarnation: `SEQ`, outcome, `,`, `SEQ`, outcome... */
  private readonly acks = new Map<string, Map<string, FrameParts>>()
  /** The first line of this node's delivery batches. */
  private readonly deliveryHead: string
  private flushScheduled = false
  private readonly pacing = new BatchPacing()
  /** The timer of a flush held back while the link is busy. */
  private flushTimer: NodeJS.Timeout | undefined
  private readonly outgoing = new Map<number, Outgoing>()
  private readonly incoming = new Map<XmlElement, Incoming>()
  private readonly sweeper: NodeJS.Timeout

  constructor(private readonly options: DeliveryOptions) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(100, options.timeoutMs / 5))
    this.sweeper.unref()
    this.deliveryHead = `${options.link.node} ${options.incarnation}\n`
  }

  // ---- origin ---------------------------------------------------------------------------

  /** Queues `stanza` (serialised as `text`) for `session` on its node. */
  send(session: RemoteSession, stanza: XmlElement, text: string): void {
    let confirm: Confirm = "-"
    let seq = 0
    if (stanza.name === "message") {
      const wanted = confirmationWanted(stanza, session)
      confirm = wanted === "ack" ? "a" : "w"
      this.seq += 1
      seq = this.seq
      this.outgoing.set(seq, {
        node: session.node,
        session,
        stanza,
        wanted,
        handedOn: this.options.core.sm.current?.begin(),
        sentAt: Date.now(),
      })
    }
    // `SEQ CONFIRM LENGTH TO\n` + text, as parts: no string is made for the header.
    const box = boxOf(this.outboxes, session.node)
    box.add(seq)
    box.add(confirmField[confirm])
    box.add(text.length)
    box.add(" ")
    box.add(session.full)
    box.add("\n")
    box.add(text)
    this.queued()
  }

  /** Answers from an owner: `SEQ+` written, `SEQ-` failed, `SEQ~` failed but queued there. */
  answered(data: Uint8Array): void {
    const text = decoder.decode(data)
    const newline = text.indexOf("\n")
    if (newline === -1) return
    const [owner = "", incarnation] = text.slice(0, newline).split(" ")
    if (incarnation !== this.options.incarnation) {
      const stale = text.slice(newline + 1).split(",").length
      return void this.options.core.logger.info("cluster-answers-ignored", {
        from: owner,
        stale,
        why: "for a previous process of this node",
      })
    }
    eachAnswer(text, newline + 1, (seq, outcome) => {
      // Only the node it went to answers for a message.
      if (this.outgoing.get(seq)?.node !== owner) return
      this.settleOutgoing(seq, outcome === "+", outcome === "~" ? "queued there" : "refused")
    })
  }

  /** A node died or restarted: what it owed is failed now (it falls back). */
  nodeGone(node: string): void {
    for (const [seq, sent] of this.outgoing)
      if (sent.node === node) this.settleOutgoing(seq, false, "node gone")
  }

  private sweep(): void {
    const tooOld = Date.now() - this.options.timeoutMs
    for (const [seq, sent] of this.outgoing)
      if (sent.sentAt < tooOld) this.settleOutgoing(seq, false, "no answer")
  }

  private settleOutgoing(seq: number, ok: boolean, why: string): void {
    const sent = this.outgoing.get(seq)
    if (sent === undefined) return
    this.outgoing.delete(seq)
    const { core } = this.options
    this.written(sent.session, sent.stanza, ok)
    if (ok) {
      if (sent.wanted === "ack") core.modules.stream.acked(sent.session, sent.stanza)
      sent.handedOn?.()
      return
    }
    core.logger.warn("cluster-delivery-failed", {
      to: sent.session.full,
      node: sent.node,
      why,
      id: sent.stanza.attrs.id,
    })
    this.options.doubt(sent.node)
    // Queued there: that session's XEP-0198 queue answers for it (see the wire format above).
    if (sent.wanted !== undefined || why === "queued there") return void sent.handedOn?.()
    void fallBackToOffline(core, sent.stanza)
      .catch((error: unknown) => core.logger.error("cluster-fallback-failed", { error }))
      .finally(() => sent.handedOn?.())
  }

  private written(session: RemoteSession, stanza: XmlElement, ok: boolean): void {
    const { core } = this.options
    for (const hook of core.modules.stanzaWritten) {
      try {
        hook(session, stanza, ok)
      } catch (error) {
        core.logger.error("module-hook-failed", { hook: "stanzaWritten", error })
      }
    }
  }

  // ---- owner ----------------------------------------------------------------------------

  /** A batch of stanzas from another node for this node's sessions. */
  received(data: Uint8Array): void {
    const text = decoder.decode(data)
    let at = text.indexOf("\n")
    if (at === -1) return
    const [origin = "", originIncarnation = ""] = text.slice(0, at).split(" ")
    at += 1
    while (at < text.length) {
      const newline = text.indexOf("\n", at)
      if (newline === -1) return
      const frame = frameHeadAt(text, at, newline)
      const body = text.slice(newline + 1, newline + 1 + frame.length)
      at = newline + 1 + frame.length
      this.deliverHere(origin, originIncarnation, frame.seq, frame.confirm, frame.to, body)
    }
  }

  private deliverHere(
    origin: string,
    originIncarnation: string,
    seq: number,
    confirm: Confirm,
    to: string,
    body: string,
  ): void {
    const { core } = this.options
    const slash = to.indexOf("/")
    const session =
      slash === -1 ? undefined : core.sessions.getLocal(to.slice(0, slash), to.slice(slash + 1))
    // The text goes to the socket as the origin serialised it; the element behind it is parsed
    // only if something here reads it (src/xml/LazyElement.ts).
    const stanza = lazyElement(body)
    if (
      session === undefined ||
      session.closed ||
      (confirm !== "-" && !routable(session, stanza))
    ) {
      if (confirm !== "-") this.answer(origin, originIncarnation, seq, "-")
      return
    }
    if (confirm === "-") return void session.sendSerialized(stanza, body)
    const durable = session.streamManaged || session.hibernated ? new HandoffTracker() : undefined
    this.incoming.set(stanza, {
      origin,
      originIncarnation,
      seq,
      ack: confirm === "a" && session.streamManaged,
      durable,
    })
    const outer = core.sm.current
    core.sm.current = durable
    let accepted = false
    try {
      accepted = session.sendSerialized(stanza, body)
    } finally {
      core.sm.current = outer
    }
    if (!accepted) this.settleIncoming(stanza, false, session.unacked().includes(stanza))
  }

  /**
   * Answers the origin; `queued`: failed, but the session's XEP-0198 queue holds it. Written
   * and queued both wait until the stanza's `sm_pending` row is committed: the origin then
   * forgets the message, and only that row would still keep it if this node died.
   */
  private settleIncoming(stanza: XmlElement, ok: boolean, queued = false): void {
    const waiting = this.incoming.get(stanza)
    if (waiting === undefined) return
    this.incoming.delete(stanza)
    const { origin, originIncarnation, seq } = waiting
    if (!ok && !queued) return void this.answer(origin, originIncarnation, seq, "-")
    const outcome = ok ? "+" : "~"
    if (waiting.durable === undefined)
      return void this.answer(origin, originIncarnation, seq, outcome)
    waiting.durable.whenSettled(() => this.answer(origin, originIncarnation, seq, outcome))
  }

  private answer(origin: string, incarnation: string, seq: number, outcome: "+" | "-" | "~"): void {
    let byIncarnation = this.acks.get(origin)
    if (byIncarnation === undefined) {
      byIncarnation = new Map()
      this.acks.set(origin, byIncarnation)
    }
    const items = boxOf(byIncarnation, incarnation)
    if (!items.empty) items.add(",")
    items.add(seq)
    items.add(outcome)
    this.queued()
  }

  /** `stanzaWritten`: a delivered stanza's socket write settled. */
  writeSettled(session: Session, stanza: XmlElement, ok: boolean): void {
    if (ok && this.incoming.get(stanza)?.ack === true) return
    this.settleIncoming(stanza, ok, !ok && session.unacked().includes(stanza))
  }

  /** A handoff carried the session, with this queued stanza, to another node. */
  queuedElsewhere(stanza: XmlElement): void {
    this.settleIncoming(stanza, false, true)
  }

  /** `heldBack`: queued for a hibernated or inactive session (durably, with XEP-0198). */
  heldBack(stanza: XmlElement): void {
    this.settleIncoming(stanza, true)
  }

  /** `acked`: the client acknowledged a delivered stanza. */
  ackSettled(stanza: XmlElement): void {
    this.settleIncoming(stanza, true)
  }

  /** `gone`: a session ended with delivered stanzas unacknowledged (SmControl.ended rerouted them). */
  unackedGone(unacked: ReadonlyArray<XmlElement>): void {
    for (const stanza of unacked) this.settleIncoming(stanza, false, true)
  }

  // ---- batching -------------------------------------------------------------------------

  /** An item joined a batch: the flush is scheduled, at once or paced. */
  private queued(): void {
    const wait = this.pacing.queued()
    if (this.flushScheduled) return
    this.flushScheduled = true
    if (wait <= 0) setImmediate(() => this.flush())
    else this.flushTimer = setTimeout(() => this.flush(), wait)
  }

  /** Sends what this turn queued: one NATS message per node and kind. */
  flush(): void {
    this.flushScheduled = false
    clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    this.pacing.flushed()
    const { link, nodeSubject } = this.options
    const me = link.node
    this.outboxes.forEach((parts, node) => {
      if (!parts.empty) link.publish(nodeSubject(node, "dlv"), parts.take(this.deliveryHead))
    })
    this.acks.forEach((byIncarnation, origin) => {
      byIncarnation.forEach((items, originIncarnation) => {
        if (items.empty) return
        link.publish(nodeSubject(origin, "ack"), items.take(`${me} ${originIncarnation}\n`))
        // A restarted origin's earlier incarnations get no more answers: forget their arrays.
        if (byIncarnation.size > 1) byIncarnation.delete(originIncarnation)
      })
    })
  }

  /** At stop: what waits fails (falls back), what is queued goes out. */
  stop(): void {
    clearInterval(this.sweeper)
    for (const stanza of [...this.incoming.keys()]) this.settleIncoming(stanza, false)
    this.flush()
  }
}

/**
 * RFC 6121 §8.5.2.1.1 as the owner sees it now: a message to a bare JID goes to an available
 * resource only. The origin chose an available session of that full JID from its directory; if
 * a new session has bound the resource here since, and has not sent presence yet, it is not that
 * session: refused, the origin stores the message offline. (Found by the cluster soak: a fresh
 * session got such messages between its bind and `<enable/>` — outside XEP-0198, with no
 * durable copy and nothing to resend them — and the soak's client, which counts stream-managed
 * stanzas only, never saw them although the sender's ack said they were handled.)
 */
const routable = (session: Session, stanza: XmlElement): boolean => {
  if (session.available) return true
  const to = stanza.attrs.to ?? ""
  return to.includes("/")
}

/** The array kept for `key`, made on first use. */
const boxOf = <K>(boxes: Map<K, FrameParts>, key: K): FrameParts => {
  let box = boxes.get(key)
  if (box === undefined) {
    box = new FrameParts()
    boxes.set(key, box)
  }
  return box
}
