// Online sessions by account and resource (RFC 6120 §7.7.2.2 conflict handling happens in
// the caller): the lookup table routing uses on every stanza.
import type { Session } from "./Session.js"

/** Sessions of every account, indexed by bare JID then resource. */
export class SessionRegistry {
  private readonly byBare = new Map<string, Map<string, Session>>()
  private total = 0

  /** All sessions of an account (empty array when offline). */
  ofBare(bare: string): ReadonlyArray<Session> {
    const resources = this.byBare.get(bare)
    return resources === undefined ? [] : [...resources.values()]
  }

  /** The session bound to a full JID. */
  get(bare: string, resource: string): Session | undefined {
    return this.byBare.get(bare)?.get(resource)
  }

  /** Number of sessions of one account. */
  countOf(bare: string): number {
    return this.byBare.get(bare)?.size ?? 0
  }

  /** Number of sessions in total. */
  get size(): number {
    return this.total
  }

  /** Every session. */
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
