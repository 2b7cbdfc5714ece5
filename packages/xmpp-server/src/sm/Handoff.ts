// Crash safety (issue 5 item 9): the server acknowledges a client's stanzas (XEP-0198 `<a/>`)
// only once the socket writes they caused were handed to the operating system. Each
// stream-managed session has one tracker; the writes made while one of its stanzas is being
// handled register in it, and `whenSettled` runs a task once all earlier ones completed. A
// stalled recipient so delays only the acks of those who wrote to it.

/** Tracks socket writes still in Node's buffers, in issue order. */
export class HandoffTracker {
  private issued = 0
  private readonly pending = new Set<number>()
  /**
   * No write below this one is pending (the oldest pending one, or `issued + 1`): found by
   * walking up, not by an iterator over `pending`, which allocated two objects per settled
   * write (a cross-node message's writes stay pending until the owner answers).
   */
  private lowest = 1
  private readonly waiters: Array<{ readonly upTo: number; readonly run: () => void }> = []

  /** Registers a write; call the returned function when it completed (or failed). */
  begin(): () => void {
    this.issued += 1
    const sequence = this.issued
    this.pending.add(sequence)
    return () => {
      this.pending.delete(sequence)
      this.release()
    }
  }

  /** Runs `task` once every write issued so far has completed (at once when none is pending). */
  whenSettled(task: () => void): void {
    if (this.pending.size === 0) return void task()
    this.waiters.push({ upTo: this.issued, run: task })
  }

  private release(): void {
    while (this.lowest <= this.issued && !this.pending.has(this.lowest)) this.lowest += 1
    const settledUpTo = this.lowest - 1
    while (this.waiters.length > 0 && (this.waiters[0]?.upTo ?? 0) <= settledUpTo) {
      this.waiters.shift()?.run()
    }
  }
}
