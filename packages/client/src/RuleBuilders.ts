// Typed builders for every action × condition of XEP-0079 §3.3–§3.5, e.g.
// `rule.notify.deliver("stored")` or `rule.drop.expireAt(date)`, and the ruleset (§4.1 per-hop).
import {
  type AmpAction,
  type DeliverValue,
  formatUtcDateTime,
  type MatchResourceValue,
  parseUtcDateTime,
} from "@xmpp-amp/amp-core"
import { AmpClientError } from "./AmpClientError.js"

/** One rule to send: an action, a condition and its value, exactly as they will be written. */
export interface AmpRuleSpec {
  /** The action (§3.4). */
  readonly action: AmpAction
  /** The condition (§3.3). */
  readonly condition: "deliver" | "expire-at" | "match-resource"
  /** The condition's value (§4.2). */
  readonly value: string
}

/** The three conditions for one action: `deliver`, `expire-at` and `match-resource`. */
export interface ConditionBuilders<Action extends AmpAction> {
  /** Fires when the message would be handled this way (§3.3.1). */
  deliver(
    value: DeliverValue,
  ): AmpRuleSpec & { readonly action: Action; readonly condition: "deliver" }
  /** Fires when the message would be delivered at or after this instant (§3.3.2); UTC is written. */
  expireAt(
    at: Date | number | string,
  ): AmpRuleSpec & { readonly action: Action; readonly condition: "expire-at" }
  /** Fires when the message would go to this kind of resource (§3.3.3). */
  matchResource(
    value: MatchResourceValue,
  ): AmpRuleSpec & { readonly action: Action; readonly condition: "match-resource" }
}

/** Writes an `expire-at` value: a Date or epoch ms as UTC, or a string checked to be UTC. */
export const expireAtValue = (at: Date | number | string): string => {
  if (typeof at === "string") {
    if (parseUtcDateTime(at) === undefined) {
      throw new AmpClientError(
        "invalid-rules",
        `expire-at value '${at}' is not a XEP-0082 DateTime in UTC (for example 2026-01-01T00:00:00Z)`,
        { kind: "not-acceptable", rules: [{ action: "drop", condition: "expire-at", value: at }] },
      )
    }
    return at
  }
  const epochMilliseconds = typeof at === "number" ? at : at.getTime()
  if (!Number.isFinite(epochMilliseconds)) {
    throw new AmpClientError("invalid-rules", "expire-at needs a valid date; got an invalid Date")
  }
  return formatUtcDateTime(epochMilliseconds)
}

const conditionsFor = <Action extends AmpAction>(action: Action): ConditionBuilders<Action> => ({
  deliver: (value) => ({ action, condition: "deliver", value }),
  expireAt: (at) => ({ action, condition: "expire-at", value: expireAtValue(at) }),
  matchResource: (value) => ({ action, condition: "match-resource", value }),
})

/**
 * Rule builders, action first: `rule.alert.deliver("stored")`, `rule.error.matchResource("other")`,
 * `rule.notify.expireAt(new Date(Date.now() + 60_000))`, `rule.drop.deliver("none")`.
 */
export const rule: { readonly [Action in AmpAction]: ConditionBuilders<Action> } = {
  alert: conditionsFor("alert"),
  drop: conditionsFor("drop"),
  error: conditionsFor("error"),
  notify: conditionsFor("notify"),
}

/** A list of rules plus the ruleset's `per-hop` flag (§2.1.2, §4.1). */
export interface AmpRuleset {
  /** The rules, evaluated by the server in this order. */
  readonly rules: readonly AmpRuleSpec[]
  /** Apply the rules at every server-to-server hop (default: edge servers only). */
  readonly perHop?: boolean
}

/** What `send` and `attach` accept: a plain list of rules or a ruleset. */
export type AmpRulesInput = readonly AmpRuleSpec[] | AmpRuleset

/** A ruleset from rules, e.g. `ruleset([rule.drop.deliver("stored")], { perHop: true })`. */
export const ruleset = (
  rules: readonly AmpRuleSpec[],
  options: { readonly perHop?: boolean } = {},
): AmpRuleset => (options.perHop === undefined ? { rules } : { rules, perHop: options.perHop })

/** Normalises the input of `send`/`attach` to a ruleset. */
export const toRuleset = (input: AmpRulesInput): AmpRuleset =>
  "rules" in input ? (input as AmpRuleset) : { rules: input as readonly AmpRuleSpec[] }
