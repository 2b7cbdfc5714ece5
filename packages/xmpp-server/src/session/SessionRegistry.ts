// Online sessions by account and resource (RFC 6120 §7.7.2.2 conflict handling happens in
// the caller): the lookup table routing uses on every stanza. In a cluster (spec/cluster.md) the
// lookups also see the other nodes' sessions (`attachRemote`, src/cluster/RemoteDirectory.ts),
// so routing, presence and AMP read one cluster-wide view; `add`, `remove`, `all` and `size`
// stay about this node's own sessions.
import type { Session } from "./Session.js"

/** The other nodes' sessions, as a cluster node sees them. */
export interface RemoteSessionView {
  ofBare(bare: string): ReadonlyArray<Session>
  get(bare: string, resource: string): Session | undefined
  countOf(bare: string): number
}

/** Sessions of every account, indexed by bare JID then resource. */
export class SessionRegistry {
  private readonly byBare = new Map<string, Map<string, Session>>()
  private total = 0
  private remote: RemoteSessionView | undefined = undefined

  /** Makes the lookups cluster-wide (a cluster node, at start). */
  attachRemote(view: RemoteSessionView): void {
    this.remote = view
  }

  /** All sessions of an account, this node's and (in a cluster) the others' (empty when offline). */
  ofBare(bare: string): ReadonlyArray<Session> {
    const resources = this.byBare.get(bare)
    const local = resources === undefined ? [] : [...resources.values()]
    if (this.remote === undefined) return local
    const others = this.remote.ofBare(bare)
    if (others.length === 0) return local
    if (resources === undefined) return others
    // A full JID is bound once cluster-wide. While another node's claim on a resource bound here
    // is stale (the session moved here, or replaced that one), this node's session is the one,
    // as in `get`: listing both sent a message to the bare JID twice (found by the cluster soak).
    return local.concat(others.filter((session) => !resources.has(session.resource)))
  }

  /** The sessions of an account on this node only. */
  ofBareLocal(bare: string): ReadonlyArray<Session> {
    const resources = this.byBare.get(bare)
    return resources === undefined ? [] : [...resources.values()]
  }

  /** The session bound to a full JID, on this node or (in a cluster) another. */
  get(bare: string, resource: string): Session | undefined {
    return this.byBare.get(bare)?.get(resource) ?? this.remote?.get(bare, resource)
  }

  /** The session bound to a full JID on this node. */
  getLocal(bare: string, resource: string): Session | undefined {
    return this.byBare.get(bare)?.get(resource)
  }

  /** Number of sessions of one account, cluster-wide. */
  countOf(bare: string): number {
    return (this.byBare.get(bare)?.size ?? 0) + (this.remote?.countOf(bare) ?? 0)
  }

  /** Number of this node's sessions. */
  get size(): number {
    return this.total
  }

  /** Every session of this node. */
  *all(): IterableIterator<Session> {
    for (const resources of this.byBare.values()) yield* resources.values()
  }

  /** Adds a session; returns the one it replaces (same full JID), which the caller closes. */
  add(session: Session): Session | undefined {
    let resources = this.byBare.get(session.bare)
    if (resources === undefined) {
      resources = new Map()
      this.byBare.set(session.bare, resources)
    }
    const previous = resources.get(session.resource)
    if (previous === undefined) this.total += 1
    resources.set(session.resource, session)
    return previous
  }

  /** Removes a session if it is still the one registered for its full JID. */
  remove(session: Session): boolean {
    const resources = this.byBare.get(session.bare)
    if (resources?.get(session.resource) !== session) return false
    resources.delete(session.resource)
    this.total -= 1
    if (resources.size === 0) this.byBare.delete(session.bare)
    return true
  }
}
