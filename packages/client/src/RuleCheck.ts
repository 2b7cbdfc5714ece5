// Checking rules before sending (XEP-0079 §2.2.1 and §4.2, done client-side with amp-core's
// validator): first that every rule is well formed, then that the server advertises it (§2.1.1).
import {
  type AmpAction,
  type AmpCondition,
  FULL_SUPPORT,
  type RuleText,
  ruleText,
  type ValidationKind,
  validateRules,
} from "@xmpp-amp/amp-core"
import { AmpClientError, describeRule } from "./AmpClientError.js"
import type { AmpRuleset } from "./RuleBuilders.js"

const listRules = (rules: readonly RuleText[]): string => rules.map(describeRule).join("; ")

const WHY: Readonly<Record<ValidationKind, string>> = {
  "not-acceptable": "a missing or empty attribute, or a value outside the condition's values",
  "unsupported-actions": "unknown action",
  "unsupported-conditions": "unknown condition",
}

/** Throws `invalid-rules` unless the ruleset has at least one rule and every rule is valid. */
export const assertValidRules = (ruleset: AmpRuleset): readonly RuleText[] => {
  const texts = ruleset.rules.map(ruleText)
  if (texts.length === 0) {
    throw new AmpClientError(
      "invalid-rules",
      "An AMP ruleset needs at least one rule (XEP-0079 §4.1)",
    )
  }
  const result = validateRules(texts, { ...FULL_SUPPORT, maxRules: Number.POSITIVE_INFINITY })
  if (result._tag === "ValidationFailure") {
    throw new AmpClientError(
      "invalid-rules",
      `Invalid AMP rule (${WHY[result.kind]}): ${listRules(result.rules)}`,
      { kind: result.kind, rules: result.rules },
    )
  }
  return texts
}

/** The actions and conditions a server supports, as discovered. */
export interface AdvertisedRules {
  /** Supported actions. */
  readonly actions: readonly AmpAction[]
  /** Supported conditions. */
  readonly conditions: readonly AmpCondition[]
}

/** Throws `unsupported-rules`, naming every rule the server does not advertise, before sending. */
export const assertSupportedRules = (
  rules: readonly RuleText[],
  support: AdvertisedRules,
): void => {
  const result = validateRules(rules, { ...support, maxRules: Number.POSITIVE_INFINITY })
  if (result._tag === "Valid") return
  const what = result.kind === "unsupported-conditions" ? "condition" : "action"
  throw new AmpClientError(
    "unsupported-rules",
    `The server does not support the AMP ${what} of: ${listRules(result.rules)}`,
    { kind: result.kind, rules: result.rules },
  )
}
