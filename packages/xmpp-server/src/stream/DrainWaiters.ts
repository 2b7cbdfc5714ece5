// Backpressure for bulk writers (offline backlogs, MAM pages): the callbacks waiting for one
// transport's output buffer to drain below `outputLowWaterMark`. Each transport says when its
// buffer may have shrunk (`check`: a write reached the OS, `'drain'`) and when it closed.
import { outputLowWaterMark } from "./Transport.js"

/** The waiters of one transport. */
export class DrainWaiters {
  private waiting: Array<() => void> = []

  constructor(
    /** Bytes written and not yet handed to the OS. */
    private readonly buffered: () => number,
    /** False once the connection is closed or closing. */
    private readonly open: () => boolean,
  ) {}

  /** Calls `ready` now when there is room (or the connection is gone), else once there is. */
  add(ready: () => void): void {
    if (!this.open() || this.buffered() < outputLowWaterMark) ready()
    else this.waiting.push(ready)
  }

  /** Some output left: wakes every waiter when the buffer is below the mark. */
  readonly check = (): void => {
    if (this.waiting.length === 0) return
    if (this.open() && this.buffered() >= outputLowWaterMark) return
    this.release()
  }

  /** The connection closed: wakes every waiter (their writes then fail, as writes to it do). */
  readonly closed = (): void => this.release()

  private release(): void {
    const ready = this.waiting
    this.waiting = []
    for (const callback of ready) callback()
  }
}
