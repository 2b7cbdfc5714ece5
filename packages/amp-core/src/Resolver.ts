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

/** What an event checks and where it leaves the message, before "first match acts". */
interface Step {
  /** Blocking `deliver` rules with this value are checked before the outcome is carried out. */
  blockingOutcome: Outcome | undefined
  /** `notify` `deliver` rules with this value are checked after the outcome is confirmed. */
  confirmedOutcome: Outcome | undefined
  /** `expire-at` rules due at or before this instant are met. */
  dueBy: number | undefined
  /** `match-resource` values met (at initial); every match-resource rule is then decided. */
  resourceValues: readonly string[] | undefined
  stage: MessageStage
  routing: RoutingDecision
  archivedCopy: boolean
  end: "delivered" | "discarded" | undefined
}

/** Falling back to `none`: blocking none rules before, notify none after; the message ends. */
const fallToNone = (next: Step): void => {
  next.blockingOutcome = "none"
  next.confirmedOutcome = "none"
  next.stage = "finished"
  next.end = "discarded"
}

const initial = (next: Step, now: number): void => {
  const first = outcomePath(next.routing)[0] ?? "none"
  next.dueBy = now
  next.resourceValues = matchedResourceValues(next.routing.sessions)
  if (first === "none") {
    fallToNone(next)
    return
  }
  next.blockingOutcome = first
  next.stage = first
}

const deliveryFailed = (next: Step): void => {
  const storage = storageOf(next.routing)
  if (storage === "nowhere") {
    fallToNone(next)
    return
  }
  const confirmed = storage === "archive" && next.archivedCopy
  next.blockingOutcome = "stored"
  next.confirmedOutcome = confirmed ? "stored" : undefined
  next.stage = confirmed ? "in-storage" : "stored"
}

const confirmStored = (next: Step): void => {
  next.confirmedOutcome = "stored"
  next.stage = "in-storage"
}

const finishDelivered = (next: Step): void => {
  next.stage = "finished"
  next.end = "delivered"
}

/** Applies one event to a fresh step describing the state (mutates only that fresh object). */
const applyEvent = (next: Step, state: AmpMessageState, event: AmpEvent, now: number): void => {
  const storage = storageOf(state.routing)
  const waiting = state.stage === "stored" || state.stage === "in-storage"
  const active = waiting || state.stage === "direct"
  switch (event) {
    case "initial":
      if (state.stage === "new") initial(next, now)
      return
    case "archived":
      if (state.stage === "stored" && storage === "archive") confirmStored(next)
      next.archivedCopy = state.stage !== "new"
      return
    case "archive-failed":
      if (state.stage === "stored" && storage === "archive") {
        next.routing = { ...state.routing, wouldArchive: false }
        fallToNone(next)
        return
      }
      if (state.stage === "direct") {
        next.routing = { ...state.routing, wouldArchive: false }
        next.archivedCopy = false
      }
      return
    case "stored":
      if (state.stage === "stored" && storage === "offline") confirmStored(next)
      return
    case "store-failed":
      if (state.stage === "stored" && storage === "offline") fallToNone(next)
      return
    case "delivered":
      if (state.stage === "direct") next.confirmedOutcome = "direct"
      if (active) finishDelivered(next)
      return
    case "delivery-failed":
      if (state.stage === "direct") deliveryFailed(next)
      return
    case "expired":
      if (active) next.dueBy = now
      return
    case "offline-delivery":
      if (waiting) {
        next.dueBy = now
        finishDelivered(next)
      }
      return
  }
}

/**
 * The one step object every `resolve` call fills and reads: `resolve` is synchronous, calls
 * nothing outside this file while it uses the step, and lets nothing of it escape but its
 * field values, so one object serves every call instead of a new one per event (two per AMP
 * message on the hot path; docs/performance.md, perf24c).
 */
const scratch: Step = {
  blockingOutcome: undefined,
  confirmedOutcome: undefined,
  dueBy: undefined,
  resourceValues: undefined,
  stage: "new",
  routing: { sessions: "none", wouldStoreOffline: false, wouldArchive: false },
  archivedCopy: false,
  end: undefined,
}

const step = (state: AmpMessageState, event: AmpEvent, now: number): Step => {
  const next = scratch
  next.blockingOutcome = undefined
  next.confirmedOutcome = undefined
  next.dueBy = undefined
  next.resourceValues = undefined
  next.stage = state.stage
  next.routing = state.routing
  next.archivedCopy = state.archivedCopy
  next.end = undefined
  applyEvent(next, state, event, now)
  return next
}

/** True when the rule is checked in the "before" moment of this step. */
const metBefore = (step: Step, rule: AmpRule): boolean => {
  switch (rule.condition) {
    case "deliver":
      return rule.value === step.blockingOutcome && isBlockingAction(rule.action)
    case "expire-at":
      return step.dueBy !== undefined && rule.expiresAt <= step.dueBy
    case "match-resource":
      return step.resourceValues?.includes(rule.value) === true
  }
}

/** True when the rule is a notify rule of the outcome this step confirms. */
const metAfter = (step: Step, rule: AmpRule): boolean =>
  rule.condition === "deliver" && rule.value === step.confirmedOutcome && rule.action === "notify"

const NO_VALUES: readonly string[] = Object.freeze([])

/** The deliver values still reachable in a stage with a routing decision. */
const reachableValues = (stage: MessageStage, routing: RoutingDecision): readonly string[] => {
  if (stage === "finished" || stage === "in-storage") return NO_VALUES
  const path = outcomePath(routing)
  return stage === "stored" ? path.slice(path.indexOf("stored")) : path
}

/** True when a pending rule can still be met in this stage (deliver values must be reachable). */
const stillPossible = (rule: AmpRule, stage: MessageStage, reachable: readonly string[]) =>
  stage !== "finished" &&
  (rule.condition !== "deliver" || stage === "new" || reachable.includes(rule.value))

/** The shared empty rule list (read-only, so sharing it is safe). */
const NO_RULES: readonly AmpRule[] = Object.freeze([])

/** `list` with `rule` appended, made on the first rule. */
const withRule = (list: AmpRule[] | undefined, rule: AmpRule): AmpRule[] => {
  if (list === undefined) return [rule]
  list.push(rule)
  return list
}

const earliestExpiry = (rules: readonly AmpRule[]): number | undefined => {
  let earliest: number | undefined
  for (const rule of rules) {
    if (rule.condition === "expire-at" && (earliest === undefined || rule.expiresAt < earliest)) {
      earliest = rule.expiresAt
    }
  }
  return earliest
}

/** Decides one event of a message: which rule acts, what is used up and what stays pending. */
export const resolve = (state: AmpMessageState, event: AmpEvent, now: number): Resolution => {
  const next = step(state, event, now)
  // Lists are made only when a rule goes into them: most events move one rule or none, and
  // this runs for every AMP message more than once.
  // A list that keeps every rule of the list it came from is that list itself (lists are
  // read-only): a rule that stays pending is not copied into a new list at every event.
  let before: AmpRule[] | undefined
  let after: AmpRule[] | undefined
  let undecidedCount = 0
  for (const rule of state.rules) {
    if (metBefore(next, rule)) before = withRule(before, rule)
    else if (metAfter(next, rule)) after = withRule(after, rule)
    else undecidedCount += 1
  }
  const undecided: readonly AmpRule[] =
    undecidedCount === state.rules.length
      ? state.rules
      : undecidedCount === 0
        ? NO_RULES
        : state.rules.filter((rule) => !before?.includes(rule) && !after?.includes(rule))
  const matched = before === undefined ? after : after === undefined ? before : before.concat(after)
  const fired = matched?.[0]
  const usedUp = matched === undefined || matched.length === 1 ? NO_RULES : matched.slice(1)
  const stop = fired !== undefined && isBlockingAction(fired.action)
  const stage: MessageStage = stop ? "finished" : next.stage
  const reachable = reachableValues(stage, next.routing)
  const settlesResources = next.resourceValues !== undefined
  let discarded: AmpRule[] | undefined
  for (const rule of undecided) {
    const settled = settlesResources && rule.condition === "match-resource"
    if (settled || !stillPossible(rule, stage, reachable)) discarded = withRule(discarded, rule)
  }
  const kept =
    discarded === undefined
      ? undecided
      : undecided.length === discarded.length
        ? NO_RULES
        : undecided.filter((rule) => !discarded.includes(rule))
  const pending = kept.length === 0 ? undefined : kept
  return {
    state: {
      rules: pending ?? NO_RULES,
      routing: next.routing,
      stage,
      archivedCopy: next.archivedCopy,
    },
    fired,
    stop,
    reply: fired === undefined || fired.action === "drop" ? undefined : fired.action,
    usedUp,
    discarded: discarded ?? NO_RULES,
    ended: stop ? "stopped" : next.end,
    nextExpiry: pending === undefined ? undefined : earliestExpiry(pending),
  }
}
