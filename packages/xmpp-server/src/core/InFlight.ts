// Work a module started for a stanza it took over and has not finished (an AMP message in the
// plugin): tracked so that a graceful stop can wait for it (spec/server.md, graceful shutdown:
// stanzas already read are processed before the storage closes).

/**
 * The work still running, as promises (`track`) or as a count (`enter`/`leave`, for work that
 * reports its end through a callback and should not cost a promise each); `settled()` resolves
 * once none is left.
 */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>()
  private counted = 0
  private waiting: Array<() => void> = []

  /** How many are still running. */
  get size(): number {
    return this.running.size + this.counted
  }

  /** Tracks `work` until it settles; returns it unchanged. */
  track<A>(work: Promise<A>): Promise<A> {
    const tracked = work.finally(() => {
      this.running.delete(tracked)
      this.wakeIfIdle()
    })
    // The caller handles `work`'s failure; the tracked copy only counts it.
    tracked.catch(() => undefined)
    this.running.add(tracked)
    return work
  }

  /** One piece of work started; `leave()` once it ended, however it ended. */
  enter(): void {
    this.counted += 1
  }

  leave(): void {
    this.counted -= 1
    this.wakeIfIdle()
  }

  /** Resolves once everything tracked settled, work started meanwhile included. */
  async settled(): Promise<void> {
    while (this.size > 0) await new Promise<void>((resolve) => this.waiting.push(resolve))
  }

  private wakeIfIdle(): void {
    if (this.size > 0 || this.waiting.length === 0) return
    const waiting = this.waiting
    this.waiting = []
    for (const wake of waiting) wake()
  }
}
