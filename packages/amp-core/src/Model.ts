// The AMP data model of XEP-0079 §3 (conditions, values, actions) and §4 (`<amp/>`, `<rule/>`):
// rules as the sender wrote them, validated rules, and the request.

/** The four defined actions (XEP-0079 §3.4). */
export const AMP_ACTIONS = ["alert", "drop", "error", "notify"] as const
/** One defined action. */
export type AmpAction = (typeof AMP_ACTIONS)[number]

/** The three defined conditions (XEP-0079 §3.3). */
export const AMP_CONDITIONS = ["deliver", "expire-at", "match-resource"] as const
/** One defined condition. */
export type AmpCondition = (typeof AMP_CONDITIONS)[number]

/** Values of the `deliver` condition (XEP-0079 §3.3.1, erratum E1: all five). */
export const DELIVER_VALUES = ["direct", "stored", "none", "forward", "gateway"] as const
/** One `deliver` value. */
export type DeliverValue = (typeof DELIVER_VALUES)[number]

/** Values of the `match-resource` condition (XEP-0079 §3.3.3). */
export const MATCH_RESOURCE_VALUES = ["any", "exact", "other"] as const
/** One `match-resource` value. */
export type MatchResourceValue = (typeof MATCH_RESOURCE_VALUES)[number]

/** Actions that stop the message (alert, drop, error); `notify` lets it go on (§3.4). */
export type BlockingAction = Exclude<AmpAction, "notify">

/** A `<rule/>` exactly as written: each attribute is absent or its text unchanged (for echoing). */
export interface RuleText {
  /** The `action` attribute as written, if present. */
  readonly action?: string
  /** The `condition` attribute as written, if present. */
  readonly condition?: string
  /** The `value` attribute as written, if present. */
  readonly value?: string
}

interface RuleBase<Condition extends AmpCondition, Value extends string> {
  /** Position among the `<rule/>` children of `<amp/>`, from 0 (document order). */
  readonly index: number
  /** The action, as written (valid actions are exact strings). */
  readonly action: AmpAction
  /** The condition, as written. */
  readonly condition: Condition
  /** The value, as written. */
  readonly value: Value
}

/** A valid `deliver` rule. */
export interface DeliverRule extends RuleBase<"deliver", DeliverValue> {}

/** A valid `match-resource` rule. */
export interface MatchResourceRule extends RuleBase<"match-resource", MatchResourceValue> {}

/** A valid `expire-at` rule; `value` keeps the DateTime text, `expiresAt` is it in epoch ms. */
export interface ExpireAtRule extends RuleBase<"expire-at", string> {
  /** The instant of `value`, in milliseconds since the Unix epoch (UTC). */
  readonly expiresAt: number
}

/** A validated rule of a request. */
export type AmpRule = DeliverRule | MatchResourceRule | ExpireAtRule

/** A valid AMP request: the message `id`, the `per-hop` flag and the rules in document order. */
export interface AmpRequest {
  /** The `id` of the carrying `<message/>` (never empty, XEP-0079 §1.3). */
  readonly id: string
  /** The `per-hop` flag (§2.1.2); false when absent. */
  readonly perHop: boolean
  /** The rules, in document order. */
  readonly rules: readonly AmpRule[]
}

/** The text of a rule, for echoing it in a reply. */
export const ruleText = (rule: AmpRule | RuleText): RuleText => {
  const text: { action?: string; condition?: string; value?: string } = {}
  if (rule.action !== undefined) text.action = rule.action
  if (rule.condition !== undefined) text.condition = rule.condition
  if (rule.value !== undefined) text.value = rule.value
  return text
}

/** True for alert, drop and error: actions that stop the message. */
export const isBlockingAction = (action: AmpAction): action is BlockingAction => action !== "notify"

/** True when `text` is one of the strings of `values` (a type guard for the value unions). */
export const isOneOf = <const Values extends readonly string[]>(
  values: Values,
  text: string | undefined,
): text is Values[number] => text !== undefined && values.includes(text)
