// The tracker of one message sent with AMP rules: typed events, a final-outcome promise with a
// timeout, and an async iterator. When is a message settled (XEP-0079 §2.2.3, spec §4): after a
// blocking reply (alerted, failed, rejected, service-unavailable, bounced), after a `deliver`
// notification of `direct` or `none`, or once every rule that reports (all but `drop`) fired.
import type { RuleText } from "@xmpp-amp/amp-core"
import type { AmpEvent, AmpEventType } from "./AmpEvents.js"
import { Emitter, type Unsubscribe } from "./Emitter.js"

/** What `outcome` resolves with: the settling event, or timeout/closed with the events so far. */
export type AmpOutcome =
  | AmpEvent
  | {
      /** `timeout`: not settled in time; `closed`: `close()` was called before it settled. */
      readonly type: "timeout" | "closed"
      /** The id of the tracked message. */
      readonly id: string
      /** Events received before the timeout (e.g. a `stored` notification). */
      readonly events: readonly AmpEvent[]
    }

/** Options of `tracker.outcome`. */
export interface OutcomeOptions {
  /** Milliseconds to wait for the message to settle; default 30 000. */
  readonly timeout?: number
}

/** Follows one message: events as they come, the final outcome, or an async iteration. */
export interface AmpTracker extends AsyncIterable<AmpEvent> {
  /** The message id replies are matched on. */
  readonly id: string
  /** The rules sent, as written. */
  readonly rules: readonly RuleText[]
  /** Events received so far, in order. */
  readonly events: readonly AmpEvent[]
  /** True once the message is settled or the tracker was closed. */
  readonly done: boolean
  /** Listens to one event type (or `"event"` for all); returns a function that unsubscribes. */
  on<Type extends AmpEventType | "event">(
    type: Type,
    listener: (
      event: Type extends AmpEventType ? Extract<AmpEvent, { type: Type }> : AmpEvent,
    ) => void,
  ): Unsubscribe
  /** Resolves with the settling event, or `{ type: "timeout", events }` after `timeout` ms. */
  outcome(options?: OutcomeOptions): Promise<AmpOutcome>
  /** Stops tracking: no more events, iterators end, pending `outcome` calls time out as usual. */
  close(): void
}

const BLOCKING: ReadonlySet<AmpEventType> = new Set([
  "alerted",
  "failed",
  "rejected",
  "service-unavailable",
  "bounced",
])

const sameRule = (left: RuleText, right: RuleText | undefined): boolean =>
  right !== undefined &&
  left.action === right.action &&
  left.condition === right.condition &&
  left.value === right.value

/** The tracker plus the `push` its owner calls for each matched reply. */
export interface TrackerControl {
  /** The public tracker. */
  readonly tracker: AmpTracker
  /** Delivers an event; ignored once done. */
  push(event: AmpEvent): void
}

/** Creates a tracker; `onDone` runs once when it settles or is closed. */
export const createTracker = (
  id: string,
  rules: readonly RuleText[],
  onDone: () => void,
): TrackerControl => {
  const events: AmpEvent[] = []
  const emitter = new Emitter<Record<AmpEventType | "event" | "done", AmpEvent | undefined>>()
  const pending = rules.filter((rule) => rule.action !== "drop")
  let done = false
  let settledBy: AmpEvent | undefined

  const finish = (): void => {
    if (done) return
    done = true
    emitter.emit("done", undefined)
    emitter.clear()
    onDone()
  }

  const settles = (event: AmpEvent): boolean => {
    if (BLOCKING.has(event.type)) return true
    if (event.type !== "notified") return false
    const fired = pending.findIndex((rule) => sameRule(rule, event.rule))
    if (fired >= 0) pending.splice(fired, 1)
    const final =
      event.condition === "deliver" && (event.value === "direct" || event.value === "none")
    return final || pending.length === 0
  }

  const tracker: AmpTracker = {
    id,
    rules,
    events,
    get done() {
      return done
    },
    on: (type, listener) => emitter.on(type, listener as (event: AmpEvent | undefined) => void),
    outcome: ({ timeout = 30_000 } = {}) =>
      new Promise((resolve) => {
        const unsettled = (type: "timeout" | "closed"): AmpOutcome => ({
          type,
          id,
          events: [...events],
        })
        if (done) return resolve(settledBy ?? unsettled("closed"))
        const timer = setTimeout(() => {
          stop()
          resolve(unsettled("timeout"))
        }, timeout)
        const stop = emitter.on("done", () => {
          clearTimeout(timer)
          resolve(settledBy ?? unsettled("closed"))
        })
      }),
    close: finish,
    [Symbol.asyncIterator]: () => iterate(),
  }

  async function* iterate(): AsyncGenerator<AmpEvent> {
    let index = 0
    while (true) {
      const next = events[index]
      if (next !== undefined) {
        index += 1
        yield next
        continue
      }
      if (done) return
      await new Promise<void>((wake) => {
        const offEvent = emitter.on("event", () => {
          offEvent()
          offDone()
          wake()
        })
        const offDone = emitter.on("done", () => {
          offEvent()
          offDone()
          wake()
        })
      })
    }
  }

  const isRepeat = (event: AmpEvent): boolean =>
    event.type === "notified" &&
    event.rule !== undefined &&
    events.some((seen) => seen.type === "notified" && sameRule(event.rule as RuleText, seen.rule))

  const push = (event: AmpEvent): void => {
    // A rule fires at most once (spec §4): a repeated notification (e.g. resent after a
    // reconnect) is not a new event.
    if (done || isRepeat(event)) return
    events.push(event)
    const settled = settles(event)
    emitter.emit(event.type, event)
    emitter.emit("event", event)
    if (settled) {
      settledBy = event
      finish()
    }
  }

  return { tracker, push }
}
