// Backpressure on what one client connection sends, like the shapers of Prosody (mod_limits)
// and ejabberd: an authenticated session may send `stanzas_per_second` top-level elements
// (after a burst of `stanza_burst`). An element over the rate is not dropped: it waits, in
// order, and the connection stops reading from its socket until the waiting elements got
// their turn, so a fast client is only slowed down (TCP flow control pushes back on it).
// Only a client whose waiting elements pass `max_waiting_stanzas` (more than one socket read
// can carry with the defaults) is cut off with `policy-violation`. When
// `bytes_per_second_per_ip` is set, a chunk read while the address is over its byte budget
// waits (and the connection stops reading) until the budget allows it, on every connection of
// that address.
//
// The check per element is O(1), allocates nothing while the session is under its rate, and
// reads no clock: it uses the time of the socket read being parsed (clock reads cost ~0.3 µs
// on some virtual machines, as much as the rest of the check many times over).
import type { LimitsSection } from "../config/ServerConfig.js"
import type { XmlElement } from "../xml/Xml.js"
import type { ConnectionLimits } from "./ConnectionLimits.js"
import { TokenBucket } from "./TokenBucket.js"

/** What the gate drives on its connection. */
export interface GatedConnection {
  /**
   * The peer's address as the per-address limits count it (its connection ticket's `address`:
   * an IPv6 address is keyed by its prefix once, not at every read), for the byte budget.
   */
  readonly limitsAddress: string
  /** True while admitted elements may still be handled (the session is bound and open). */
  readonly accepting: boolean
  /** Parses received text (now, or once the address's byte budget allows). */
  feed(text: string): void
  /** Handles an element that waited for its turn. */
  handle(element: XmlElement): void
  /** The waiting elements passed `max_waiting_stanzas`: end the stream with `text`. */
  overflow(text: string): void
  pauseReading(): void
  resumeReading(): void
}

/**
 * When the socket read now being parsed arrived. Every element reaches `admit` synchronously
 * from the parsing of some read (also one forwarded from a resuming connection), so this is
 * the element's arrival time.
 */
let readAt = 0

/** One connection's inbound rate limit. */
export class InboundGate {
  private readonly bucket: TokenBucket | undefined
  private readonly waiting: Array<XmlElement | undefined> = []
  private head = 0
  /** What to do once the waiting elements were handled (the peer's close, a parse error). */
  private afterWaiting: (() => void) | undefined = undefined
  private drainTimer: NodeJS.Timeout | undefined = undefined
  private byteTimer: NodeJS.Timeout | undefined = undefined
  /** Chunks read while the address was over its byte budget, oldest first. */
  private readonly heldChunks: Array<string> = []
  private paused = false

  constructor(
    private readonly settings: LimitsSection,
    private readonly limits: ConnectionLimits,
    private readonly connection: GatedConnection,
  ) {
    this.bucket =
      settings.stanzas_per_second === 0
        ? undefined
        : new TokenBucket(settings.stanzas_per_second, settings.stanza_burst, Date.now())
  }

  /** True when `element` may be handled now; false when it was queued to be handled later. */
  admit(element: XmlElement): boolean {
    if (this.head === this.waiting.length && (this.bucket?.take(readAt) ?? true)) return true
    this.waiting.push(element)
    if (this.waiting.length - this.head > this.settings.max_waiting_stanzas) {
      this.discard()
      this.connection.overflow("too many stanzas waiting: slow down and read the replies")
      return false
    }
    this.updateReading()
    if (this.drainTimer === undefined) this.scheduleDrain(Date.now())
    return false
  }

  /** Runs `action` now, or after the waiting elements when some wait (keeps the order). */
  afterInput(action: () => void): void {
    if (this.head === this.waiting.length) action()
    else this.afterWaiting = action
  }

  /** Takes a chunk read from the socket: parsed at once unless its address is over budget. */
  received(text: string): void {
    readAt = Date.now()
    if (this.settings.bytes_per_second_per_ip === 0) return void this.connection.feed(text)
    this.heldChunks.push(text)
    if (this.byteTimer === undefined) this.feedHeldChunks()
  }

  private readonly feedHeldChunks = (): void => {
    this.byteTimer = undefined
    const address = this.connection.limitsAddress
    let text = this.heldChunks.shift()
    while (text !== undefined) {
      const now = Date.now()
      const waitMs = this.limits.bytesWaitMs(address, now)
      if (waitMs > 0) {
        this.heldChunks.unshift(text)
        this.byteTimer = setTimeout(this.feedHeldChunks, waitMs)
        this.byteTimer.unref()
        break
      }
      this.limits.chargeBytes(address, Buffer.byteLength(text), now)
      readAt = now
      this.connection.feed(text)
      text = this.heldChunks.shift()
    }
    this.updateReading()
  }

  /**
   * The connection ended (or its session moved to a resuming connection, which reads
   * unpaused): nothing waits any more, no timer stays behind.
   */
  stop(): void {
    this.discard()
    clearTimeout(this.byteTimer)
    this.byteTimer = undefined
    this.heldChunks.length = 0
    this.paused = false
  }

  private scheduleDrain(now: number): void {
    const delay = Math.max(1, this.bucket?.msUntilToken(now) ?? 1)
    this.drainTimer = setTimeout(this.drain, delay)
    this.drainTimer.unref()
  }

  private readonly drain = (): void => {
    this.drainTimer = undefined
    const now = Date.now()
    while (this.head < this.waiting.length) {
      if (!this.connection.accepting) return void this.discard()
      if (this.bucket !== undefined && !this.bucket.take(now)) return void this.scheduleDrain(now)
      const element = this.waiting[this.head] as XmlElement
      this.waiting[this.head] = undefined
      this.head += 1
      this.connection.handle(element)
    }
    this.waiting.length = 0
    this.head = 0
    const action = this.afterWaiting
    this.afterWaiting = undefined
    this.updateReading()
    action?.()
  }

  private discard(): void {
    clearTimeout(this.drainTimer)
    this.drainTimer = undefined
    this.waiting.length = 0
    this.head = 0
    this.afterWaiting = undefined
  }

  private updateReading(): void {
    const pause = this.head < this.waiting.length || this.byteTimer !== undefined
    if (pause === this.paused) return
    this.paused = pause
    if (pause) this.connection.pauseReading()
    else this.connection.resumeReading()
  }
}
