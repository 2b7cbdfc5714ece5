// What a client sends while its stream awaits an answer it must have first (the account lookup
// of a SASL step, an in-band registration's durable write, a delayed SASL answer): held and
// handled after that answer, in the order it arrived, as if the answer had been immediate.
// Reading from the socket pauses meanwhile (TCP flow control pushes back), and a client that
// still piles up more than `limit` top-level elements is cut off.

/** What the held input drives on its connection. */
export interface HeldReading {
  pauseReading(): void
  resumeReading(): void
  /** More than `limit` elements waited: end the stream with `text`. */
  overflow(text: string): void
}

/** The held input of one stream. */
export class HeldInput {
  private readonly actions: Array<() => void> = []
  private holds = 0
  private stopped = false

  constructor(
    private readonly reading: HeldReading,
    private readonly limit = 1000,
  ) {}

  /** True while input must wait (an answer is awaited, or what waited is not handled yet). */
  get holding(): boolean {
    return this.holds > 0 || this.actions.length > 0
  }

  /**
   * Holds input until the returned release is called (once; later calls do nothing), then
   * handles what waited. Example: `const release = held.hold(); await lookup(); reply(); release()`.
   */
  hold(): () => void {
    if (this.stopped) return () => undefined
    this.holds += 1
    if (this.holds === 1) this.reading.pauseReading()
    let released = false
    return () => {
      if (released || this.stopped) return
      released = true
      this.holds -= 1
      if (this.holds > 0) return
      this.reading.resumeReading()
      this.drain()
    }
  }

  /** Handles `action` once nothing holds the input any more (call only while `holding`). */
  later(action: () => void): void {
    if (this.stopped) return
    this.actions.push(action)
    if (this.actions.length > this.limit) {
      this.stop()
      this.reading.overflow("too much input while authentication was being checked")
    }
  }

  /**
   * The stream ended: what waited is dropped, nothing is held any more, and reading resumes
   * (so the socket sees the peer's close). Example: `held.stop()` beside the stream error.
   */
  stop(): void {
    if (this.stopped) return
    this.stopped = true
    this.actions.length = 0
    if (this.holds > 0) this.reading.resumeReading()
    this.holds = 0
  }

  /** Handles what waited, in order, until an action holds the input again. */
  private drain(): void {
    while (this.holds === 0) {
      const action = this.actions.shift()
      if (action === undefined) return
      action()
    }
  }
}
