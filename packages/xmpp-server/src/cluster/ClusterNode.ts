// One node of a cluster (spec/cluster.md): keeps the cluster-wide session directory, carries
// stanzas to sessions on other nodes and takes theirs, and watches which nodes are alive.
//
// Directory: every node is the only authority on its own sessions. It numbers its changes
// (`seq`) and publishes each on `dir`; every `heartbeatMs` it publishes a heartbeat with its
// last `seq`. A node that sees a gap, an unknown node or a new incarnation (a restart) asks that
// node for a snapshot (`n.<node>.snap`). A node not heard from for `deadAfterMs` is dead: its
// sessions leave routing and `nodeDied` listeners run (XEP-0198 rows go to offline storage).
// A node that is itself cut from NATS declares nobody dead (it cannot tell).
//
// Deliveries (src/cluster/Deliveries.ts): stanzas for another node's sessions, batched per
// event-loop turn, confirmed by that node once written and durable; a failed or unanswered
// message falls back as a failed local write would.

import { randomBytes } from "node:crypto"
import { componentUnavailable } from "../components/ComponentRouting.js"
import type { ServerCore } from "../core/ServerCore.js"
import { parseJid } from "../jid/Jid.js"
import type { Session, SessionCloseReason } from "../session/Session.js"
import { rerouteUnacked } from "../sm/Reroute.js"
import type { ResumableSession } from "../sm/ResumableSession.js"
import type { Unacked } from "../sm/SmStream.js"
import type { RosterChange } from "../storage/RosterWriteBatch.js"
import { parseElement } from "../xml/parseXml.js"
import { serialize, type XmlElement } from "../xml/Xml.js"
import type { ClusterLink, Reply } from "./ClusterLink.js"
import { Deliveries } from "./Deliveries.js"
import type { HandedSession } from "./HandedSession.js"
import { NodeAsks } from "./NodeAsks.js"
import type { KnownNode } from "./RemoteDirectory.js"
import { RemoteDirectory } from "./RemoteDirectory.js"
import type { RemoteSession } from "./RemoteSession.js"
import { entryOf, type SessionEntry, sameEntry } from "./SessionEntry.js"
import { flagsKey, flagsOf } from "./SessionFlags.js"
import { decode, encode } from "./Wire.js"

/** Timings of the cluster protocol. */
export interface ClusterTimings {
  /** Between heartbeats; default 1000 ms. */
  readonly heartbeatMs: number
  /** Silence after which a node counts as dead; default 3000 ms. */
  readonly deadAfterMs: number
  /** How long a delivery waits for the owner's answer; default 5000 ms. */
  readonly deliveryTimeoutMs: number
}

export const defaultTimings: ClusterTimings = {
  heartbeatMs: 1000,
  deadAfterMs: 3000,
  deliveryTimeoutMs: 5000,
}

interface Heartbeat {
  readonly node: string
  readonly inc: string
  readonly seq: number
}

interface DirectoryEvent extends Heartbeat {
  readonly up?: SessionEntry
  readonly down?: string
  /** A component domain connected here (`on`) or left. */
  readonly component?: { readonly domain: string; readonly on: boolean }
}

interface Snapshot {
  readonly inc: string
  readonly seq: number
  readonly entries: ReadonlyArray<SessionEntry>
  readonly components: ReadonlyArray<string>
}

interface CloseHeader {
  readonly to: string
  readonly reason: SessionCloseReason
  readonly condition?: string
  readonly text?: string
}

/** A local session as last announced. */
interface Announced {
  entry: SessionEntry
  presence: XmlElement | undefined
  flags: string
}

/** What the node tells the server when something changed. */
export interface ClusterEvents {
  /** A node died (silence) or left: its sessions are gone from routing already. */
  readonly nodeDied: Array<(node: string, sessions: ReadonlyArray<RemoteSession>) => void>
}

/** The cluster side of one server process. */
export class ClusterNode {
  readonly remote: RemoteDirectory
  readonly events: ClusterEvents = { nodeDied: [] }
  private readonly incarnation = randomBytes(6).toString("base64url")
  private seq = 0
  private readonly announced = new Map<Session, Announced>()
  private readonly unsubscribes: Array<() => void> = []
  private heartbeat: NodeJS.Timeout | undefined
  /** Since when this node is connected to NATS (undefined while cut off). */
  private upSince: number | undefined
  /** Stanzas to and from the other nodes' sessions (the module hooks feed its owner side). */
  readonly deliveries: Deliveries
  /** Requests to other nodes that end when the node asked dies or restarts (handoffs). */
  private readonly asks: NodeAsks
  /** Nodes whose snapshot is being fetched, with the events that came meanwhile. */
  private readonly syncing = new Map<string, Array<DirectoryEvent>>()
  /** Heartbeats that disagreed with what we know, per node (two in a row: snapshot). */
  private readonly mismatches = new Map<string, number>()
  private stopped = false

  constructor(
    private readonly core: ServerCore,
    readonly link: ClusterLink,
    private readonly timings: ClusterTimings = defaultTimings,
  ) {
    this.remote = new RemoteDirectory({
      deliver: (session, stanza, text) => this.deliveries.send(session, stanza, text),
      close: (session, reason, condition, text) =>
        this.closeRemote(session, reason, condition, text),
    })
    this.deliveries = new Deliveries({
      core,
      link,
      incarnation: this.incarnation,
      nodeSubject: (node, name) => this.nodeSubject(node, name),
      timeoutMs: timings.deliveryTimeoutMs,
      doubt: (node) => {
        const known = this.remote.nodes.get(node)
        if (known !== undefined) this.sync(known)
      },
    })
    this.asks = new NodeAsks(link)
    this.upSince = link.isUp() ? Date.now() : undefined
  }

  private subject(name: string): string {
    return `${this.link.prefix}${name}`
  }

  private nodeSubject(node: string, name: string): string {
    return `${this.link.prefix}n.${node}.${name}`
  }

  /** Subscribes, says hello and waits one heartbeat for the others' snapshots. */
  async start(): Promise<void> {
    const me = this.link.node
    const on = (subject: string, handler: (data: Uint8Array, reply: Reply) => void): void => {
      this.unsubscribes.push(this.link.subscribe(subject, handler))
    }
    on(this.subject("hb"), (data) => this.heardHeartbeat(decode<Heartbeat>(data).header))
    on(this.subject("hello"), () => this.sendHeartbeat())
    on(this.subject("bye"), (data) => {
      const header = decode<Heartbeat>(data).header
      if (header !== undefined && header.node !== me) this.nodeGone(header.node, "left")
    })
    on(this.subject("dir"), (data) => this.heardEvent(decode<DirectoryEvent>(data).header))
    on(this.subject("acct"), (data) => {
      const header = decode<{ node: string; user: string; exists: boolean }>(data).header
      if (header !== undefined && header.node !== me)
        this.core.accounts.learned(header.user, header.exists)
    })
    on(this.subject("roster"), (data) => {
      const header = decode<{ node: string; user: string; change: RosterChange }>(data).header
      if (header !== undefined && header.node !== me)
        this.core.rosters.changedElsewhere(header.user, header.change)
    })
    on(this.nodeSubject(me, "snap"), (_data, reply) => reply?.(encode(this.snapshot())))
    on(this.nodeSubject(me, "dlv"), (data) => this.deliveries.received(data))
    on(this.nodeSubject(me, "ack"), (data) => this.deliveries.answered(data))
    on(this.nodeSubject(me, "comp"), (data) => this.toLocalComponent(data))
    on(this.nodeSubject(me, "iqres"), (data) => {
      const reply = parseElement(decode(data).body)
      if (reply !== undefined) this.core.components.settle(reply)
    })
    this.core.components.attachRemote({
      idPrefix: `${me}~`,
      write: (domain, stanza) => this.toRemoteComponent(domain, stanza),
      settle: (reply) => this.answerToNode(reply),
      changed: (domain, on) => {
        if (on) this.localComponents.add(domain)
        else this.localComponents.delete(domain)
        this.publishEvent({ component: { domain, on } })
      },
    })
    on(this.nodeSubject(me, "handoff"), (data, reply) => this.handOut(data, reply))
    on(this.nodeSubject(me, "handoff-done"), (data) => {
      const header = decode<{ ticket: string; ok: boolean }>(data).header
      if (header !== undefined) this.handOutSettled(header.ticket, header.ok)
    })
    on(this.nodeSubject(me, "close"), (data, reply) =>
      this.closeLocal(decode<CloseHeader>(data).header, reply),
    )
    this.core.accounts.changed = (user, exists) =>
      this.link.publish(this.subject("acct"), encode({ node: me, user, exists }))
    this.core.rosters.written = (user, change) =>
      this.link.publish(this.subject("roster"), encode({ node: me, user, change }))
    this.link.onChange((up) => {
      this.upSince = up ? Date.now() : undefined
      if (up) this.link.publish(this.subject("hello"), encode({ node: me }))
    })
    this.heartbeat = setInterval(() => this.tick(), this.timings.heartbeatMs)
    this.heartbeat.unref()
    this.link.publish(this.subject("hello"), encode({ node: me }))
    this.sendHeartbeat()
    await this.link.flush()
    // The others answer hello with a heartbeat; their snapshots follow at once.
    await new Promise((resolve) => setTimeout(resolve, Math.min(500, this.timings.heartbeatMs)))
    await Promise.all([...this.syncingPromises])
    for (const task of this.joinTasks)
      await task().catch((error: unknown) =>
        this.core.logger.error("cluster-join-task-failed", { error }),
      )
  }

  /** Modules' work once this node knows the others, before it serves (ModuleCluster.onJoined). */
  readonly joinTasks: Array<() => Promise<void>> = []

  /** The other nodes this node knows alive. */
  otherNodes(): ReadonlyArray<string> {
    return [...this.remote.nodes.keys()]
  }

  private readonly syncingPromises = new Set<Promise<void>>()
  private readonly localComponents = new Set<string>()

  // ---- XEP-0198 resumption on another node ----------------------------------------------

  /**
   * Sessions handed to other nodes, until they confirm: their unacknowledged entries, by the
   * handoff's ticket (by previd, a session handed out again before the first confirmation
   * replaced the first one's entries, whose rows then stayed behind).
   */
  private readonly handedOut = new Map<
    string,
    {
      readonly entries: ReadonlyArray<Unacked>
      readonly timer: NodeJS.Timeout
      readonly session: string
      readonly at: number
    }
  >()

  /**
   * The new node: asks the node that holds the session for it. A session keeps its `previd`
   * (`node~random`, named after the node that created it) when it is resumed on another node,
   * so the holder is looked for first among the nodes that hold a stream-managed session of
   * the account (the directory), then the node named in `previd`. Undefined when none of them
   * is alive and holds it (any more). XEP-0198 §5 owes the client an answer: all asks together
   * take at most the handoff timeout, and an ask to a node that dies or restarts meanwhile
   * ends at once (`NodeAsks`; the session died with it).
   */
  async takeOver(
    previd: string,
    bare: string,
    h: number,
  ): Promise<
    | { readonly node: string; readonly session: HandedSession; readonly ticket: string }
    | "h-too-high"
    | undefined
  > {
    const tilde = previd.indexOf("~")
    const named = tilde === -1 ? "" : previd.slice(0, tilde)
    const candidates = new Set([...this.remote.streamManagedNodesOf(bare), named])
    // The old node first waits for the writes the client's stanzas caused, which may wait up
    // to the delivery timeout for a node that died: twice that, so it can still answer.
    const until = Date.now() + 2 * this.timings.deliveryTimeoutMs + 1000
    for (const node of candidates) {
      if (node === "" || node === this.link.node || !this.remote.nodes.has(node)) continue
      const left = until - Date.now()
      if (left <= 0) break
      const answer = await this.asks.ask(
        node,
        this.nodeSubject(node, "handoff"),
        encode({ previd, bare, h }),
        left,
      )
      if (answer === undefined) continue
      const header = decode<{ session?: HandedSession; ticket?: string; error?: string }>(
        answer,
      ).header
      if (header?.error === "h") return "h-too-high"
      if (header?.session !== undefined)
        return { node, session: header.session, ticket: header.ticket ?? "" }
    }
    return undefined
  }

  /**
   * The new node: the session continues here (`ok`), or it could not take it after all;
   * `ticket` names the handoff (one session may leave a node again before the first is done).
   */
  handOverDone(node: string, ticket: string, ok: boolean): void {
    this.link.publish(this.nodeSubject(node, "handoff-done"), encode({ ticket, ok }))
  }

  /** The old node: hands a resumable session to the node the client reconnected to. */
  private handOut(data: Uint8Array, reply: Reply): void {
    const header = decode<{ previd: string; bare: string; h: number }>(data).header
    if (header === undefined || reply === undefined) return
    const target = this.core.sm.resumable.get(header.previd)
    if (target === undefined || target.bare !== header.bare || target.closed)
      return void reply(encode({ error: "not-found" }))
    // The `h` of `<resumed/>` acknowledges the client's stanzas as `<a/>` does: only once what
    // they caused is durable and written (a node dying meanwhile would lose them otherwise).
    target.whenHandled(() => this.handOutNow(target, header, reply))
  }

  private handOutNow(
    target: ResumableSession,
    header: { readonly previd: string; readonly h: number },
    reply: NonNullable<Reply>,
  ): void {
    if (target.closed) return void reply(encode({ error: "not-found" }))
    const result = target.handOver(header.h)
    if (result === "h-too-high") return void reply(encode({ error: "h" }))
    // Deliveries from other nodes still waiting for their write move with the session (or go
    // to offline storage if it does not arrive): answered now, as queued, so their origins do
    // not time out and store them a second time.
    for (const entry of result.entries) this.deliveries.queuedElsewhere(entry.stanza)
    // Until the new node confirms, the entries (and their durable rows) stay here.
    const ticket = randomBytes(9).toString("base64url")
    const timer = setTimeout(() => this.handOutSettled(ticket, false), 15_000)
    timer.unref()
    this.handedOut.set(ticket, {
      entries: result.entries,
      timer,
      session: result.session.full,
      at: Date.now(),
    })
    this.core.logger.info("session-handed-over", {
      session: result.session.full,
      stanzas: result.entries.length,
    })
    reply(encode({ session: result.session, ticket }))
  }

  /**
   * The old node: the new node confirmed (the rows go: its own copies replace them) or gave
   * up or never answered (the stanzas are rerouted as when a session ends: offline storage).
   */
  private handOutSettled(ticket: string, ok: boolean): void {
    const handed = this.handedOut.get(ticket)
    if (handed === undefined) return
    this.handedOut.delete(ticket)
    clearTimeout(handed.timer)
    if (!ok) {
      this.core.logger.warn("session-handoff-unconfirmed", {
        session: handed.session,
        stanzas: handed.entries.length,
        ms: Date.now() - handed.at,
      })
      return void rerouteUnacked(this.core, handed.entries)
    }
    for (const entry of handed.entries)
      if (entry.pendingId !== undefined) this.core.sm.pending?.remove(entry.pendingId)
  }

  // ---- XEP-0114 components on other nodes -----------------------------------------------

  private toRemoteComponent(domain: string, stanza: XmlElement): boolean {
    const node = this.remote.componentNode(domain)
    if (node === undefined) return false
    this.link.publish(this.nodeSubject(node.name, "comp"), encode({ domain }, serialize(stanza)))
    return true
  }

  private toLocalComponent(data: Uint8Array): void {
    const { header, body } = decode<{ domain: string }>(data)
    const stanza = parseElement(body)
    if (header === undefined || stanza === undefined) return
    if (this.core.components.writeLocal(header.domain, stanza)) return
    // The sender's node still thought it was here: answer as it would have, had it known.
    this.core.logger.warn("cluster-component-gone", { domain: header.domain, id: stanza.attrs.id })
    componentUnavailable(this.core, stanza)
  }

  /** An IQ answer from a local component to a request another node sent (its id names it). */
  private answerToNode(reply: XmlElement): boolean {
    const id = reply.attrs.id ?? ""
    const tilde = id.indexOf("~")
    const node = tilde === -1 ? "" : id.slice(0, tilde)
    if (node === "" || node === this.link.node || !this.remote.nodes.has(node)) return false
    this.link.publish(this.nodeSubject(node, "iqres"), encode({}, serialize(reply)))
    return true
  }

  /** Says goodbye (the others forget this node's sessions at once) and stops listening. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearInterval(this.heartbeat)
    this.link.publish(this.subject("bye"), encode(this.heartbeatHeader()))
    await this.link.flush()
    for (const unsubscribe of this.unsubscribes) unsubscribe()
    this.deliveries.stop()
  }

  // ---- this node's sessions -------------------------------------------------------------

  private heartbeatHeader(): Heartbeat {
    return { node: this.link.node, inc: this.incarnation, seq: this.seq }
  }

  private publishEvent(change: Omit<DirectoryEvent, keyof Heartbeat>): void {
    this.seq += 1
    this.link.publish(this.subject("dir"), encode({ ...this.heartbeatHeader(), ...change }))
  }

  /** A local session bound a resource: announce it, and replace another node's holder. */
  bound(session: Session): void {
    const holder = this.remote.get(session.bare, session.resource)
    if (holder !== undefined) holder.close("replaced", "conflict", "replaced by a new session")
    const entry = entryOf(session, Date.now(), flagsOf(session))
    this.announced.set(session, { entry, presence: session.presence, flags: flagsKey(session) })
    this.publishEvent({ up: entry })
  }

  /** A local session may have changed what others see of it: republish when it did. */
  touched(session: Session): void {
    const last = this.announced.get(session)
    if (last === undefined || session.closed) return
    const flags = flagsKey(session)
    const entry = entryOf(
      session,
      last.entry.boundAt,
      flags === last.flags ? last.entry.flags : flagsOf(session),
      last.presence === session.presence ? last.entry.presence : undefined,
    )
    if (sameEntry(entry, last.entry)) return
    this.announced.set(session, { entry, presence: session.presence, flags })
    this.publishEvent({ up: entry })
  }

  /** A local session left routing. */
  unbound(session: Session): void {
    const last = this.announced.get(session)
    if (last === undefined) return
    this.announced.delete(session)
    this.publishEvent({ down: last.entry.full })
  }

  private snapshot(): Snapshot {
    return {
      inc: this.incarnation,
      seq: this.seq,
      entries: [...this.announced.values()].map((announced) => announced.entry),
      components: [...this.localComponents],
    }
  }

  // ---- the other nodes ------------------------------------------------------------------

  private sendHeartbeat(): void {
    if (!this.stopped) this.link.publish(this.subject("hb"), encode(this.heartbeatHeader()))
  }

  private tick(): void {
    this.sendHeartbeat()
    const now = Date.now()
    // Cut off (or just back): silence of the others proves nothing.
    if (this.upSince === undefined || now - this.upSince < this.timings.deadAfterMs) return
    for (const node of [...this.remote.nodes.values()])
      if (now - node.lastSeen > this.timings.deadAfterMs) this.nodeGone(node.name, "silent")
  }

  private known(header: Heartbeat): KnownNode | undefined {
    if (header.node === this.link.node) return undefined
    const now = Date.now()
    const existing = this.remote.nodes.get(header.node)
    if (existing !== undefined && existing.incarnation !== header.inc) {
      // Restarted: what the old process held is gone.
      this.nodeGone(header.node, "restarted")
    }
    const node = this.remote.node(header.node, header.inc, now)
    node.lastSeen = now
    return node
  }

  private heardHeartbeat(header: Heartbeat | undefined): void {
    if (header === undefined) return
    const fresh = !this.remote.nodes.has(header.node)
    const node = this.known(header)
    if (node === undefined) return
    if (fresh) return void this.sync(node)
    if (node.seq === header.seq || this.syncing.has(node.name)) {
      this.mismatches.delete(node.name)
      return
    }
    const count = (this.mismatches.get(node.name) ?? 0) + 1
    this.mismatches.set(node.name, count)
    if (count >= 2) this.sync(node)
  }

  private heardEvent(event: DirectoryEvent | undefined): void {
    if (event === undefined) return
    const fresh = !this.remote.nodes.has(event.node)
    const node = this.known(event)
    if (node === undefined) return
    const buffered = this.syncing.get(node.name)
    if (buffered !== undefined) return void buffered.push(event)
    if (fresh || event.seq !== node.seq + 1) return void this.sync(node)
    this.apply(node, event)
  }

  private apply(node: KnownNode, event: DirectoryEvent): void {
    if (event.seq <= node.seq) return
    node.seq = event.seq
    if (event.up !== undefined) {
      const session = this.remote.put(node, event.up)
      this.settleConflict(session)
    }
    if (event.down !== undefined) this.remote.remove(node, event.down)
    if (event.component !== undefined) {
      if (event.component.on) node.components.add(event.component.domain)
      else node.components.delete(event.component.domain)
    }
  }

  /**
   * RFC 6120 §7.7.2.2 across nodes: two nodes bound one full JID at about the same time (each
   * saw no holder). Both apply this rule, so the older session is the one that ends.
   */
  private settleConflict(session: RemoteSession): void {
    const local = this.core.sessions.getLocal(session.bare, session.resource)
    if (local === undefined) return
    const mine = this.announced.get(local)?.entry.boundAt ?? 0
    const theirsNewer =
      session.boundAt > mine || (session.boundAt === mine && session.node > this.link.node)
    if (theirsNewer) local.close("replaced", "conflict", "replaced by a new session")
  }

  /** Fetches a node's whole directory; events that arrive meanwhile apply after it. */
  private sync(node: KnownNode): void {
    if (this.syncing.has(node.name)) return
    this.syncing.set(node.name, [])
    this.mismatches.delete(node.name)
    const done = (async () => {
      const answer = await this.link.request(
        this.nodeSubject(node.name, "snap"),
        encode({ node: this.link.node }),
        this.timings.deliveryTimeoutMs,
      )
      const buffered = this.syncing.get(node.name) ?? []
      this.syncing.delete(node.name)
      const snapshot = answer === undefined ? undefined : decode<Snapshot>(answer).header
      if (snapshot === undefined || snapshot.inc !== node.incarnation) return
      this.remote.replaceAll(node, snapshot.entries)
      node.components.clear()
      for (const domain of snapshot.components ?? []) node.components.add(domain)
      node.seq = snapshot.seq
      for (const entry of snapshot.entries) {
        const session = this.remote.get(
          entry.full.slice(0, entry.full.indexOf("/")),
          entry.full.slice(entry.full.indexOf("/") + 1),
        )
        if (session !== undefined) this.settleConflict(session)
      }
      for (const event of buffered) if (event.seq > node.seq) this.apply(node, event)
    })()
    this.syncingPromises.add(done)
    void done.finally(() => this.syncingPromises.delete(done))
  }

  private nodeGone(name: string, why: "silent" | "left" | "restarted"): void {
    const gone = this.remote.drop(name)
    this.deliveries.nodeGone(name)
    this.asks.gone(name)
    this.syncing.delete(name)
    this.mismatches.delete(name)
    this.core.logger.warn(why === "left" ? "cluster-node-left" : "cluster-node-down", {
      node: name,
      why,
      sessions: gone.length,
    })
    if (why === "left") return
    for (const listener of this.events.nodeDied) {
      try {
        listener(name, gone)
      } catch (error) {
        this.core.logger.error("cluster-listener-failed", { error })
      }
    }
  }

  private closeRemote(
    session: RemoteSession,
    reason: SessionCloseReason,
    condition?: string,
    text?: string,
  ): void {
    const header: CloseHeader = {
      to: session.full,
      reason,
      ...(condition === undefined ? {} : { condition }),
      ...(text === undefined ? {} : { text }),
    }
    const closed = this.link.request(
      this.nodeSubject(session.node, "close"),
      encode(header),
      this.timings.deliveryTimeoutMs,
    )
    // This node reads the user's offline messages (a new session's initial presence) only once
    // the other node answered: see `closeLocal`.
    const username = session.bare.slice(0, session.bare.indexOf("@"))
    this.core.modules.stores.offline?.incoming?.(username, closed)
  }

  /**
   * Another node bound a full JID held here: the session here ends, and the answer waits until
   * it left and what it moved is settled — its unacknowledged messages rerouted to offline
   * storage, the stored messages its queue took removed (OfflineDelivery). The other node's new
   * session reads offline storage only after this answer: before, it read stored messages this
   * session's queue held (their removal waits for the queue's durable copy) while the queue
   * rerouted its copy too, and the client got them twice (found by the cluster soak under load,
   * seed 1454274731: 14 acknowledged messages again at csoak13's next login).
   */
  private closeLocal(header: CloseHeader | undefined, reply: Reply): void {
    const to = header === undefined ? undefined : parseJid(header.to)
    if (header === undefined || to?.resource === undefined || to.local === undefined)
      return void reply?.(encode({ ok: false }))
    const session = this.core.sessions.getLocal(to.bare, to.resource)
    session?.close(header.reason, header.condition, header.text)
    const username = to.local
    void whenEnded(session, this.timings.deliveryTimeoutMs)
      .then(() => this.core.modules.stores.offline?.settledFor?.(username))
      .then(() => reply?.(encode({ ok: true })))
  }
}

/**
 * Resolves once `session` ended (its unacknowledged stanzas rerouted), at once when there is
 * none; after `limitMs` at most (a connection whose socket takes long to close).
 */
const whenEnded = async (session: Session | undefined, limitMs: number): Promise<void> => {
  const until = Date.now() + limitMs
  while (session !== undefined && !session.closed && Date.now() < until)
    await new Promise((resolve) => setTimeout(resolve, 10))
}
