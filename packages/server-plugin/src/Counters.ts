// Observability (issue 6 item 6): counters of rules matched, notifications sent, messages
// dropped (stopped by alert/drop/error) and messages expired, readable as one snapshot.
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/** The counter values at one moment. */
export interface AmpCounterSnapshot {
  /** AMP requests accepted (passed §2, §3 and §7). */
  readonly requestsAccepted: number
  /** AMP requests refused (structural, validation or presence check). */
  readonly requestsRejected: number
  /** Rules that acted (fired) at an event. */
  readonly rulesMatched: number
  /** AMP replies sent for fired rules (notify, alert, error). */
  readonly notificationsSent: number
  /** Messages stopped by a blocking action (alert, drop, error). */
  readonly messagesDropped: number
  /** Messages whose expire-at rule fired while they waited in storage. */
  readonly messagesExpired: number
}

/** The name of one counter. */
export type AmpCounterName = keyof AmpCounterSnapshot

const ZERO: AmpCounterSnapshot = {
  requestsAccepted: 0,
  requestsRejected: 0,
  rulesMatched: 0,
  notificationsSent: 0,
  messagesDropped: 0,
  messagesExpired: 0,
}

/** The plugin's counters. */
export class AmpCounters extends Context.Service<
  AmpCounters,
  {
    /** Adds one to a counter. */
    readonly increment: (name: AmpCounterName) => Effect.Effect<void>
    /** Adds one to a counter, as a plain call (the fast path of `FastPath.ts`). */
    readonly add: (name: AmpCounterName) => void
    /** The current values. */
    readonly snapshot: Effect.Effect<AmpCounterSnapshot>
  }
>()("@xmpp-amp/server-plugin/AmpCounters") {
  /** Counters starting at zero. */
  static readonly layer = Layer.sync(AmpCounters, () => {
    const values: Record<AmpCounterName, number> = { ...ZERO }
    const add = (name: AmpCounterName): void => {
      values[name] += 1
    }
    return {
      increment: (name: AmpCounterName) => Effect.sync(() => add(name)),
      add,
      snapshot: Effect.sync((): AmpCounterSnapshot => ({ ...values })),
    }
  })
}
