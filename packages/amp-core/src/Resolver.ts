// The AMP rule resolver, spec §4 (XEP-0079 §2.2.3, §3.3, §3.4): a pure state machine the server
// calls at each event of a message's life. Blocking actions fire before an outcome, notify after
// it is confirmed; at one event the first matched rule acts and the other matched rules are used
// up; a rule never fires twice and nothing fires after a stop. Time is the `now` parameter.
import { type AmpRule, isBlockingAction } from "./Model.js"
import {
  matchedResourceValues,
  type Outcome,
  outcomePath,
  type RoutingDecision,
  storageOf,
} from "./Outcome.js"

/** The events of a message's life (spec §4 table, plus `offline-delivery`). */
export const AMP_EVENTS = [
  "initial",
  "archived",
  "archive-failed",
  "stored",
  "store-failed",
  "delivered",
  "delivery-failed",
  "expired",
  "offline-delivery",
] as const
/** One event: see the README for exactly when the server reports each. */
export type AmpEvent = (typeof AMP_EVENTS)[number]

/** Where a message is: before `initial`, heading for an outcome, kept in storage, or done. */
export const MESSAGE_STAGES = ["new", "direct", "stored", "in-storage", "finished"] as const
/** One stage of a message. */
export type MessageStage = (typeof MESSAGE_STAGES)[number]

/** Everything the resolver knows about one message; store it with the message between events. */
export interface AmpMessageState {
  /** The rules still pending (undecided), in document order. */
  readonly rules: readonly AmpRule[]
  /** The routing decision; `archive-failed` turns `wouldArchive` off. */
  readonly routing: RoutingDecision
  /** Where the message is. */
  readonly stage: MessageStage
  /** True once MAM archived the recipient's copy. */
  readonly archivedCopy: boolean
}

/** How a message ended, when an event ends it. */
export type MessageEnd = "delivered" | "discarded" | "stopped"

/** What one event decided. */
export interface Resolution {
  /** The new state, to pass to the next event. */
  readonly state: AmpMessageState
  /** The rule that acts at this event, if any (its action is `fired.action`). */
  readonly fired: AmpRule | undefined
  /** True when the fired rule stops the message: not delivered, stored or archived (remove copies). */
  readonly stop: boolean
  /** The reply to send the sender for the fired rule (`drop` sends none). */
  readonly reply: "notify" | "alert" | "error" | undefined
  /** Rules that matched at this event but did not act (used up). */
  readonly usedUp: readonly AmpRule[]
  /** Rules dropped because their condition can no longer be met. */
  readonly discarded: readonly AmpRule[]
  /** How the message ended at this event, if it did (`discarded`: send the normal bounce now). */
  readonly ended: MessageEnd | undefined
  /** The earliest `expire-at` instant among pending rules (schedule `expired` for it). */
  readonly nextExpiry: number | undefined
}

/** The state of a message whose request was just validated, before `initial`. */
export const startMessage = (
  rules: readonly AmpRule[],
  routing: RoutingDecision,
): AmpMessageState => ({ rules, routing, stage: "new", archivedCopy: false })

/** What an event does before the common "first match acts" step. */
interface Step {
  readonly before: readonly AmpRule[]
  readonly after: readonly AmpRule[]
  readonly stage: MessageStage
  readonly routing: RoutingDecision
  readonly archivedCopy: boolean
  readonly end?: "delivered" | "discarded"
  readonly settled?: (rule: AmpRule) => boolean
}

const deliverRules = (rules: readonly AmpRule[], value: Outcome, blocking: boolean) =>
  rules.filter(
    (rule) =>
      rule.condition === "deliver" &&
      rule.value === value &&
      isBlockingAction(rule.action) === blocking,
  )

const expiredRules = (rules: readonly AmpRule[], now: number) =>
  rules.filter((rule) => rule.condition === "expire-at" && rule.expiresAt <= now)

const unchanged = (state: AmpMessageState): Step => ({
  before: [],
  after: [],
  stage: state.stage,
  routing: state.routing,
  archivedCopy: state.archivedCopy,
})

/** Falling back to `none`: blocking none rules before, notify none after; the message ends. */
const fallToNone = (state: AmpMessageState, routing: RoutingDecision): Step => ({
  before: deliverRules(state.rules, "none", true),
  after: deliverRules(state.rules, "none", false),
  stage: "finished",
  routing,
  archivedCopy: state.archivedCopy,
  end: "discarded",
})

const initial = (state: AmpMessageState, now: number): Step => {
  const [first = "none"] = outcomePath(state.routing)
  const resourceValues = matchedResourceValues(state.routing.sessions)
  const metAtInitial = state.rules.filter(
    (rule) =>
      (rule.condition === "match-resource" && resourceValues.includes(rule.value)) ||
      (rule.condition === "expire-at" && rule.expiresAt <= now),
  )
  const before = [...metAtInitial, ...deliverRules(state.rules, first, true)]
  const settled = (rule: AmpRule) => rule.condition === "match-resource"
  if (first === "none") return { ...fallToNone(state, state.routing), before, settled }
  return { ...unchanged(state), before, stage: first, settled }
}

const deliveryFailed = (state: AmpMessageState): Step => {
  if (state.stage !== "direct") return unchanged(state)
  const storage = storageOf(state.routing)
  if (storage === "nowhere") return fallToNone(state, state.routing)
  const before = deliverRules(state.rules, "stored", true)
  const confirmed = storage === "archive" && state.archivedCopy
  return {
    ...unchanged(state),
    before,
    after: confirmed ? deliverRules(state.rules, "stored", false) : [],
    stage: confirmed ? "in-storage" : "stored",
  }
}

const step = (state: AmpMessageState, event: AmpEvent, now: number): Step => {
  const storage = storageOf(state.routing)
  switch (event) {
    case "initial":
      return state.stage === "new" ? initial(state, now) : unchanged(state)
    case "archived":
      if (state.stage === "stored" && storage === "archive") {
        return {
          ...unchanged(state),
          after: deliverRules(state.rules, "stored", false),
          stage: "in-storage",
          archivedCopy: true,
        }
      }
      return { ...unchanged(state), archivedCopy: state.stage !== "new" }
    case "archive-failed": {
      const routing = { ...state.routing, wouldArchive: false }
      if (state.stage === "stored" && storage === "archive") return fallToNone(state, routing)
      if (state.stage === "direct") return { ...unchanged(state), routing, archivedCopy: false }
      return unchanged(state)
    }
    case "stored":
      if (state.stage === "stored" && storage === "offline") {
        return {
          ...unchanged(state),
          after: deliverRules(state.rules, "stored", false),
          stage: "in-storage",
        }
      }
      return unchanged(state)
    case "store-failed":
      return state.stage === "stored" && storage === "offline"
        ? fallToNone(state, state.routing)
        : unchanged(state)
    case "delivered":
      if (state.stage === "direct") {
        return {
          ...unchanged(state),
          after: deliverRules(state.rules, "direct", false),
          stage: "finished",
          end: "delivered",
        }
      }
      return state.stage === "new" || state.stage === "finished"
        ? unchanged(state)
        : { ...unchanged(state), stage: "finished", end: "delivered" }
    case "delivery-failed":
      return deliveryFailed(state)
    case "expired":
      return state.stage === "new" || state.stage === "finished"
        ? unchanged(state)
        : { ...unchanged(state), before: expiredRules(state.rules, now) }
    case "offline-delivery":
      return state.stage === "stored" || state.stage === "in-storage"
        ? {
            ...unchanged(state),
            before: expiredRules(state.rules, now),
            stage: "finished",
            end: "delivered",
          }
        : unchanged(state)
  }
}

/** True when a pending rule can still be met in this stage with this routing. */
const stillPossible = (rule: AmpRule, stage: MessageStage, routing: RoutingDecision): boolean => {
  if (stage === "finished") return false
  if (rule.condition !== "deliver") return true
  if (stage === "new") return true
  if (stage === "in-storage") return false
  const path = outcomePath(routing)
  const reachable = stage === "stored" ? path.slice(path.indexOf("stored")) : path
  return (reachable as readonly string[]).includes(rule.value)
}

const byIndex = (left: AmpRule, right: AmpRule) => left.index - right.index

const earliestExpiry = (rules: readonly AmpRule[]): number | undefined =>
  rules.reduce<number | undefined>(
    (earliest, rule) =>
      rule.condition === "expire-at" && (earliest === undefined || rule.expiresAt < earliest)
        ? rule.expiresAt
        : earliest,
    undefined,
  )

/** Decides one event of a message: which rule acts, what is used up and what stays pending. */
export const resolve = (state: AmpMessageState, event: AmpEvent, now: number): Resolution => {
  const next = step(state, event, now)
  const candidates = [...[...next.before].sort(byIndex), ...[...next.after].sort(byIndex)]
  const [fired, ...usedUp] = candidates
  const stop = fired !== undefined && isBlockingAction(fired.action)
  const stage: MessageStage = stop ? "finished" : next.stage
  const remaining = state.rules.filter(
    (rule) => !candidates.includes(rule) && next.settled?.(rule) !== true,
  )
  const pending = remaining.filter((rule) => stillPossible(rule, stage, next.routing))
  const discarded = state.rules.filter(
    (rule) => !candidates.includes(rule) && !pending.includes(rule),
  )
  return {
    state: { rules: pending, routing: next.routing, stage, archivedCopy: next.archivedCopy },
    fired,
    stop,
    reply: fired === undefined || fired.action === "drop" ? undefined : fired.action,
    usedUp,
    discarded,
    ended: stop ? "stopped" : next.end,
    nextExpiry: earliestExpiry(pending),
  }
}
