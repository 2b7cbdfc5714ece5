// Test helpers for the resolver: build valid rules from text and run a message through a
// sequence of events, collecting what fired.
import {
  type AmpEvent,
  type AmpMessageState,
  type AmpRule,
  FULL_SUPPORT,
  type Resolution,
  type RoutingDecision,
  resolve,
  startMessage,
  validateRules,
} from "@xmpp-amp/amp-core"

/** Valid rules from `[action, condition, value]` triples, indexed in order. */
export const rules = (...triples: readonly (readonly [string, string, string])[]): AmpRule[] => {
  const result = validateRules(
    triples.map(([action, condition, value]) => ({ action, condition, value })),
    FULL_SUPPORT,
  )
  if (result._tag !== "Valid") throw new Error(`invalid test rules: ${JSON.stringify(triples)}`)
  return [...result.rules]
}

/** One rule that fired: at which event, which rule (by index) and with which action. */
export interface Firing {
  readonly event: AmpEvent
  readonly index: number
  readonly action: string
  readonly stop: boolean
}

/** Runs events in order (each at `now`, or a per-event time) and lists every firing. */
export const run = (
  routing: RoutingDecision,
  requestRules: readonly AmpRule[],
  events: readonly (AmpEvent | readonly [AmpEvent, number])[],
  now = 0,
): { firings: Firing[]; resolutions: Resolution[]; state: AmpMessageState } => {
  let state = startMessage(requestRules, routing)
  const firings: Firing[] = []
  const resolutions: Resolution[] = []
  for (const entry of events) {
    const [event, time] = typeof entry === "string" ? [entry, now] : entry
    const resolution = resolve(state, event, time)
    resolutions.push(resolution)
    if (resolution.fired !== undefined) {
      firings.push({
        event,
        index: resolution.fired.index,
        action: resolution.fired.action,
        stop: resolution.stop,
      })
    }
    state = resolution.state
  }
  return { firings, resolutions, state }
}

/** Routing shorthands. */
export const routing = (
  sessions: RoutingDecision["sessions"],
  wouldStoreOffline: boolean,
  wouldArchive: boolean,
): RoutingDecision => ({ sessions, wouldStoreOffline, wouldArchive })
