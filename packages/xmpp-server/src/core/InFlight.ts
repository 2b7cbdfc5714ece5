// Work a module started for a stanza it took over and has not finished (an AMP message in the
// plugin): tracked so that a graceful stop can wait for it (spec/server.md, graceful shutdown:
// stanzas already read are processed before the storage closes).

/** The promises still running; `settled()` resolves once none is left. */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>()

  /** How many are still running. */
  get size(): number {
    return this.running.size
  }

  /** Tracks `work` until it settles; returns it unchanged. */
  track<A>(work: Promise<A>): Promise<A> {
    const tracked = work.finally(() => this.running.delete(tracked))
    // The caller handles `work`'s failure; the tracked copy only counts it.
    tracked.catch(() => undefined)
    this.running.add(tracked)
    return work
  }

  /** Resolves once everything tracked settled, work started meanwhile included. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running])
  }
}
