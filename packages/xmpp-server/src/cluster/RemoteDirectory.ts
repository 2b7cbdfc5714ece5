// The other nodes' sessions as this node knows them (spec/cluster.md guarantee 1), rebuilt from
// each node's directory events and snapshots (src/cluster/ClusterNode.ts). Each node is the only
// authority on its own sessions: an entry from node B only ever replaces or removes B's entries.
import type { Session } from "../session/Session.js"
import type { RemoteSessionView } from "../session/SessionRegistry.js"
import { RemoteSession, type RemoteWrites } from "./RemoteSession.js"
import type { SessionEntry } from "./SessionEntry.js"

/** What is known of one other node. */
export interface KnownNode {
  readonly name: string
  /** Random per process start: a restarted node is a new incarnation. */
  incarnation: string
  /** The last directory event applied. */
  seq: number
  /** When it was last heard from (any message), ms. */
  lastSeen: number
  readonly sessions: Map<string, RemoteSession>
  /** XEP-0114 component domains connected to it. */
  readonly components: Set<string>
}

/** The remote half of the session registry. */
export class RemoteDirectory implements RemoteSessionView {
  private readonly byBare = new Map<string, Map<string, RemoteSession>>()
  readonly nodes = new Map<string, KnownNode>()

  constructor(private readonly writes: RemoteWrites) {}

  ofBare(bare: string): ReadonlyArray<Session> {
    const resources = this.byBare.get(bare)
    return resources === undefined ? [] : [...resources.values()]
  }

  get(bare: string, resource: string): RemoteSession | undefined {
    return this.byBare.get(bare)?.get(resource)
  }

  countOf(bare: string): number {
    return this.byBare.get(bare)?.size ?? 0
  }

  /** Every remote session (for tests and the admin view). */
  *all(): IterableIterator<RemoteSession> {
    for (const node of this.nodes.values()) yield* node.sessions.values()
  }

  /** The node, created on first sight. */
  node(name: string, incarnation: string, now: number): KnownNode {
    let known = this.nodes.get(name)
    if (known === undefined) {
      known = {
        name,
        incarnation,
        seq: 0,
        lastSeen: now,
        sessions: new Map(),
        components: new Set(),
      }
      this.nodes.set(name, known)
    }
    return known
  }

  /** Adds or updates a session of `node`; returns it. */
  put(node: KnownNode, entry: SessionEntry): RemoteSession {
    const existing = node.sessions.get(entry.full)
    if (existing !== undefined) {
      existing.update(entry)
      return existing
    }
    const session = new RemoteSession(node.name, entry, this.writes)
    node.sessions.set(entry.full, session)
    let resources = this.byBare.get(session.bare)
    if (resources === undefined) {
      resources = new Map()
      this.byBare.set(session.bare, resources)
    }
    const shadowed = resources.get(session.resource)
    // Two nodes claim one full JID for a moment (a conflict being settled): the newer wins here.
    if (shadowed === undefined || shadowed.boundAt <= session.boundAt)
      resources.set(session.resource, session)
    return session
  }

  /** Removes a session of `node`; returns it when it was known. */
  remove(node: KnownNode, full: string): RemoteSession | undefined {
    const session = node.sessions.get(full)
    if (session === undefined) return undefined
    node.sessions.delete(full)
    session.closed = true
    const resources = this.byBare.get(session.bare)
    if (resources?.get(session.resource) === session) {
      resources.delete(session.resource)
      // Another node's claim on the same full JID shows again.
      for (const other of this.nodes.values()) {
        const claim = other.sessions.get(full)
        if (claim !== undefined) resources.set(session.resource, claim)
      }
      if (resources.size === 0) this.byBare.delete(session.bare)
    }
    return session
  }

  /** Replaces everything known of `node` by a snapshot; returns the sessions that went. */
  replaceAll(node: KnownNode, entries: ReadonlyArray<SessionEntry>): ReadonlyArray<RemoteSession> {
    const keep = new Set(entries.map((entry) => entry.full))
    const gone: Array<RemoteSession> = []
    for (const full of [...node.sessions.keys()])
      if (!keep.has(full)) {
        const session = this.remove(node, full)
        if (session !== undefined) gone.push(session)
      }
    for (const entry of entries) this.put(node, entry)
    return gone
  }

  /** The node a component domain is connected to, if any. */
  componentNode(domain: string): KnownNode | undefined {
    for (const node of this.nodes.values()) if (node.components.has(domain)) return node
    return undefined
  }

  /** Forgets a node and its sessions; returns them. */
  drop(name: string): ReadonlyArray<RemoteSession> {
    const node = this.nodes.get(name)
    if (node === undefined) return []
    const gone = this.replaceAll(node, [])
    this.nodes.delete(name)
    return gone
  }
}
