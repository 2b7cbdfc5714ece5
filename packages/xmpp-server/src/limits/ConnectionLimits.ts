// Per-address limits (RFC 6120 §13.9, denial of service): how many new connections one IP
// address may open per window, how many of its connections may be open and not yet
// authenticated at once, and (when configured) how many bytes per second all its connections
// may send together. A refusal is logged once per address and window, not per connection.
// IPv6 addresses are counted by prefix (`ipv6_prefix_length`, a /64 by default; AddressKey.ts).
import type { LimitsSection } from "../config/ServerConfig.js"
import type { ServerCore } from "../core/ServerCore.js"
import type { Logger } from "../log/Logger.js"
import { addressKey } from "./AddressKey.js"
import { TokenBucket } from "./TokenBucket.js"

/** Why a connection was refused. */
export type Refusal = "connection-rate" | "unauthenticated-connections"

/** An admitted connection, counted as unauthenticated until it is released. */
export interface ConnectionTicket {
  /** The address as counted: an IPv4 address, or an IPv6 prefix such as `2001:db8::/64`. */
  readonly address: string
  /** When the connection was accepted (ms since the epoch); the auth timeout counts from here. */
  readonly openedAt: number
  /** The connection authenticated or closed; later calls do nothing. */
  release(): void
}

interface AddressState {
  windowStart: number
  opened: number
  refused: number
  unauthenticated: number
  bytes: TokenBucket | undefined
}

/** The per-address bookkeeping of one server; time comes from the caller. */
export class ConnectionLimits {
  private readonly addresses = new Map<string, AddressState>()
  private readonly windowMs: number
  private lastSweep: number

  constructor(
    private readonly settings: LimitsSection,
    private readonly logger: Logger,
    now: number,
  ) {
    this.windowMs = settings.connection_window_seconds * 1000
    this.lastSweep = now
  }

  /**
   * Counts a new connection from `address`: a ticket when it may proceed, else why not.
   * `openedAt` is when its socket was accepted (before an HTTP upgrade), `now` by default.
   * Example: `const ticket = limits.admit(socket.remoteAddress, Date.now())`.
   */
  admit(rawAddress: string, now: number, openedAt = now): ConnectionTicket | Refusal {
    this.sweep(now)
    const address = addressKey(rawAddress, this.settings.ipv6_prefix_length)
    const state = this.stateOf(address, now)
    const { connections_per_ip: perWindow, unauthenticated_per_ip: unauthenticated } = this.settings
    const refusal: Refusal | undefined =
      perWindow > 0 && state.opened >= perWindow
        ? "connection-rate"
        : unauthenticated > 0 && state.unauthenticated >= unauthenticated
          ? "unauthenticated-connections"
          : undefined
    if (refusal !== undefined) {
      state.refused += 1
      if (state.refused === 1)
        this.logger.warn("connections-refused", {
          address,
          reason: refusal,
          connections_per_ip: perWindow,
          unauthenticated_per_ip: unauthenticated,
          window_seconds: this.settings.connection_window_seconds,
        })
      return refusal
    }
    state.opened += 1
    state.unauthenticated += 1
    let released = false
    return {
      address,
      openedAt,
      release: () => {
        if (released) return
        released = true
        state.unauthenticated -= 1
      },
    }
  }

  /**
   * Milliseconds until `address` (a ticket's `address`, as counted) is within its byte budget
   * again (0: it is, or the limit is off).
   * Example: `if (limits.bytesWaitMs(ticket.address, now) === 0) parse(chunk)`.
   */
  bytesWaitMs(address: string, now: number): number {
    if (this.settings.bytes_per_second_per_ip === 0) return 0
    return this.bytesOf(address, now).msUntilToken(now)
  }

  /** Charges `bytes` received from `address` (a ticket's) to its budget (may go into debt). */
  chargeBytes(address: string, bytes: number, now: number): void {
    if (this.settings.bytes_per_second_per_ip === 0) return
    this.bytesOf(address, now).spend(bytes, now)
  }

  private bytesOf(address: string, now: number): TokenBucket {
    const state = this.stateOf(address, now)
    state.bytes ??= new TokenBucket(
      this.settings.bytes_per_second_per_ip,
      this.settings.byte_burst_per_ip,
      now,
    )
    return state.bytes
  }

  private stateOf(address: string, now: number): AddressState {
    let state = this.addresses.get(address)
    if (state === undefined) {
      state = { windowStart: now, opened: 0, refused: 0, unauthenticated: 0, bytes: undefined }
      this.addresses.set(address, state)
    } else if (now - state.windowStart >= this.windowMs) this.nextWindow(address, state, now)
    return state
  }

  private nextWindow(address: string, state: AddressState, now: number): void {
    if (state.refused > 1)
      this.logger.warn("connections-refused-in-window", {
        address,
        refused: state.refused,
        window_seconds: this.settings.connection_window_seconds,
      })
    state.windowStart = now
    state.opened = 0
    state.refused = 0
  }

  /** Once per window: forgets addresses with nothing left to remember (O(addresses)). */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.windowMs) return
    this.lastSweep = now
    for (const [address, state] of this.addresses) {
      if (now - state.windowStart < this.windowMs) continue
      this.nextWindow(address, state, now)
      if (state.unauthenticated === 0 && (state.bytes === undefined || state.bytes.isFull(now)))
        this.addresses.delete(address)
    }
  }
}

const byCore = new WeakMap<ServerCore, ConnectionLimits>()

/**
 * The limits of one running server, made on first use from its `[limits]` (kept beside the
 * core rather than in it, so listeners and connections share one without a new core field).
 */
export const connectionLimitsOf = (core: ServerCore): ConnectionLimits => {
  let limits = byCore.get(core)
  if (limits === undefined) {
    limits = new ConnectionLimits(core.config.limits, core.logger, Date.now())
    byCore.set(core, limits)
  }
  return limits
}
