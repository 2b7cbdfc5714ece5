// What a server supports of XEP-0079 (§2.1.1, §3): the enabled actions and conditions and the
// rule limit. Validation, disco features and the stream feature are all derived from it.
import { AMP_ACTIONS, AMP_CONDITIONS, type AmpAction, type AmpCondition, isOneOf } from "./Model.js"

/** The enabled actions, enabled conditions and the maximum number of rules per request. */
export interface AmpSupport {
  /** Enabled actions, in the order of `AMP_ACTIONS`. */
  readonly actions: readonly AmpAction[]
  /** Enabled conditions, in the order of `AMP_CONDITIONS`. */
  readonly conditions: readonly AmpCondition[]
  /** More rules than this in one `<amp/>` is a structural rejection (spec §2). */
  readonly maxRules: number
}

/** The default number of rules a request may carry. */
export const DEFAULT_MAX_RULES = 16

/** Options of `ampSupport`: unknown names are reported, never silently ignored. */
export interface AmpSupportOptions {
  /** Action names to enable (default: all four). */
  readonly actions?: readonly string[]
  /** Condition names to enable (default: all three). */
  readonly conditions?: readonly string[]
  /** The rule limit (default 16); a positive integer. */
  readonly maxRules?: number
}

/** Why an `AmpSupportOptions` value was refused. */
export interface AmpSupportError {
  readonly _tag: "AmpSupportError"
  /** What is wrong, in words. */
  readonly message: string
}

/** Everything enabled, 16 rules: what a server supports by default. */
export const FULL_SUPPORT: AmpSupport = {
  actions: AMP_ACTIONS,
  conditions: AMP_CONDITIONS,
  maxRules: DEFAULT_MAX_RULES,
}

const pick = <const Known extends readonly string[]>(
  known: Known,
  wanted: readonly string[] | undefined,
  kind: string,
): Known[number][] | AmpSupportError => {
  if (wanted === undefined) return [...known]
  const unknown = wanted.filter((name) => !isOneOf(known, name))
  if (unknown.length > 0) {
    return { _tag: "AmpSupportError", message: `unknown ${kind}: ${unknown.join(", ")}` }
  }
  return known.filter((name) => wanted.includes(name))
}

/** Builds a support configuration from options, or says which option is wrong. */
export const ampSupport = (options: AmpSupportOptions = {}): AmpSupport | AmpSupportError => {
  const actions = pick(AMP_ACTIONS, options.actions, "action")
  if ("_tag" in actions) return actions
  const conditions = pick(AMP_CONDITIONS, options.conditions, "condition")
  if ("_tag" in conditions) return conditions
  const maxRules = options.maxRules ?? DEFAULT_MAX_RULES
  if (!Number.isInteger(maxRules) || maxRules < 1) {
    return { _tag: "AmpSupportError", message: `max_rules must be a positive integer` }
  }
  return { actions, conditions, maxRules }
}

/** True when the action is defined and enabled. */
export const supportsAction = (support: AmpSupport, action: string | undefined): boolean =>
  action !== undefined && (support.actions as readonly string[]).includes(action)

/** True when the condition is defined and enabled. */
export const supportsCondition = (support: AmpSupport, condition: string | undefined): boolean =>
  condition !== undefined && (support.conditions as readonly string[]).includes(condition)
