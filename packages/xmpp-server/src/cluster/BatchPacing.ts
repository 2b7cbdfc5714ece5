// When a batch of cross-node deliveries and answers goes out (src/cluster/Deliveries.ts). A
// quiet link sends at the end of the event-loop turn, so a delivery waits for nothing beyond
// its own turn. A busy link — `busyItems` items queued within `coalesceMs`, this one included —
// holds a batch until `coalesceMs` after the previous flush: it then makes about one NATS write
// per millisecond instead of one per turn (a turn often holds a single client's read, and a
// NATS socket write cost as much as the rest of the message). Holding every batch cost a
// cross-node message about 1.1 ms of its p50 at 2,000 msgs/s (docs/performance.md, Cluster),
// where a batch carried one or two items and saved next to nothing.

/** The shortest interval between two flushes while the link is busy. */
export const coalesceMs = 1

/** Items queued within `coalesceMs` that make the link busy (about 4,000 a second and more). */
export const busyItems = 4

/** The pacing of one node's outgoing batches. */
export class BatchPacing {
  private lastFlush = Number.NEGATIVE_INFINITY
  /** When the last `busyItems - 1` items were queued, oldest at `oldest`. */
  private readonly recent = new Array<number>(busyItems - 1).fill(Number.NEGATIVE_INFINITY)
  private oldest = 0

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** An item was queued: how long the flush it joins may wait, in ms (0: end of this turn). */
  queued(): number {
    const now = this.now()
    const busy = now - (this.recent[this.oldest] ?? Number.NEGATIVE_INFINITY) < coalesceMs
    this.recent[this.oldest] = now
    this.oldest = (this.oldest + 1) % this.recent.length
    return busy ? Math.max(0, this.lastFlush + coalesceMs - now) : 0
  }

  /** A batch went out. */
  flushed(): void {
    this.lastFlush = this.now()
  }
}
