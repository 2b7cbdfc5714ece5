// Rule validation, XEP-0079 §2.2.1 and spec §3: every rule is checked, and one failure lists all
// rules of the first failing kind: not-acceptable, then unsupported-actions, then
// unsupported-conditions.
import { parseUtcDateTime } from "./DateTime.js"
import {
  type AmpRule,
  DELIVER_VALUES,
  isOneOf,
  MATCH_RESOURCE_VALUES,
  type RuleText,
} from "./Model.js"
import { type AmpSupport, supportsAction, supportsCondition } from "./Support.js"

/** The kinds of validation failure, in the order they are judged (spec §3). */
export const VALIDATION_KINDS = [
  "not-acceptable",
  "unsupported-actions",
  "unsupported-conditions",
] as const
/** One kind of validation failure. */
export type ValidationKind = (typeof VALIDATION_KINDS)[number]

/** A refused request: the first failing kind and every rule of that kind, as written. */
export interface ValidationFailure {
  readonly _tag: "ValidationFailure"
  /** Which check failed first. */
  readonly kind: ValidationKind
  /** All rules of that kind, in document order, as written. */
  readonly rules: readonly RuleText[]
}

/** The result of validating a list of rules. */
export type ValidationResult =
  | { readonly _tag: "Valid"; readonly rules: readonly AmpRule[] }
  | ValidationFailure

const present = (text: string | undefined): text is string => text !== undefined && text !== ""

/** The rule as a typed rule if its value is acceptable for its (enabled) condition. */
const typedRule = (rule: RuleText, index: number): AmpRule | "bad-value" => {
  const action = rule.action as AmpRule["action"]
  const value = rule.value ?? ""
  switch (rule.condition) {
    case "deliver":
      return isOneOf(DELIVER_VALUES, value)
        ? { index, action, condition: "deliver", value }
        : "bad-value"
    case "match-resource":
      return isOneOf(MATCH_RESOURCE_VALUES, value)
        ? { index, action, condition: "match-resource", value }
        : "bad-value"
    case "expire-at": {
      const expiresAt = parseUtcDateTime(value)
      return expiresAt === undefined
        ? "bad-value"
        : { index, action, condition: "expire-at", value, expiresAt }
    }
    default:
      return "bad-value"
  }
}

/** The kind a single rule fails with, or the typed rule when it passes every check. */
const judge = (rule: RuleText, index: number, support: AmpSupport): ValidationKind | AmpRule => {
  if (!present(rule.action) || !present(rule.condition) || !present(rule.value)) {
    return "not-acceptable"
  }
  const conditionEnabled = supportsCondition(support, rule.condition)
  const typed = conditionEnabled ? typedRule(rule, index) : undefined
  if (typed === "bad-value") return "not-acceptable"
  if (!supportsAction(support, rule.action)) return "unsupported-actions"
  if (typed === undefined) return "unsupported-conditions"
  return typed
}

/** Validates rules against a support configuration (spec §3 steps 1–3). */
export const validateRules = (
  rules: readonly RuleText[],
  support: AmpSupport,
): ValidationResult => {
  const valid: AmpRule[] = []
  let failures: ValidationKind[] | undefined
  let first: number = VALIDATION_KINDS.length
  for (let index = 0; index < rules.length; index++) {
    const judged = judge(rules[index] ?? {}, index, support)
    if (typeof judged === "object") {
      valid.push(judged)
    } else {
      failures ??= []
      failures[index] = judged
      first = Math.min(first, VALIDATION_KINDS.indexOf(judged))
    }
  }
  const kind = VALIDATION_KINDS[first]
  if (kind === undefined) return { _tag: "Valid", rules: valid }
  return {
    _tag: "ValidationFailure",
    kind,
    rules: rules.filter((_, index) => failures?.[index] === kind),
  }
}
