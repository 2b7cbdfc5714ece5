// Named rulesets for the scenarios of XEP-0079 §5 (reliable data transport, time-sensitive,
// transient messages) plus exact-resource delivery and delivery tracking.
import type { DeliverValue } from "@xmpp-amp/amp-core"
import { type AmpRuleSpec, type AmpRuleset, rule } from "./RuleBuilders.js"

/** How the sender learns that a recipe stopped the message. */
export type StopReport =
  /** `error`: a `failed` event (an error reply with the rule). */
  | "error"
  /** `alert`: an `alerted` event. */
  | "alert"
  /** `drop`: nothing; the message is silently discarded. */
  | "silent"

const stopAction = (report: StopReport) => (report === "silent" ? rule.drop : rule[report])

/** Named recipes for the XEP's scenarios; each returns a ruleset ready for `send`. */
export const recipes = {
  /**
   * Reliable delivery (§5.1): deliver only to the addressed full JID, never to another
   * resource; with `expiresAt`, also give up at that time. Default report: `error`.
   */
  reliableDelivery(
    options: { readonly report?: StopReport; readonly expiresAt?: Date | number | string } = {},
  ): AmpRuleset {
    const stop = stopAction(options.report ?? "error")
    const rules: AmpRuleSpec[] = [stop.matchResource("other")]
    if (options.expiresAt !== undefined) rules.unshift(stop.expireAt(options.expiresAt))
    return { rules }
  },

  /** Time-sensitive (§5.2): discard the message if it would be delivered at or after `at`. */
  expiring(at: Date | number | string, options: { readonly report?: StopReport } = {}): AmpRuleset {
    return { rules: [stopAction(options.report ?? "silent").expireAt(at)] }
  },

  /** Transient, "never store" (§5.3): deliver now or not at all. Default: silently dropped. */
  transient(options: { readonly report?: StopReport } = {}): AmpRuleset {
    return { rules: [stopAction(options.report ?? "silent").deliver("stored")] }
  },

  /** Deliver only to this exact resource (§3.3.3): stop when it would go to another one. */
  exactResourceOnly(options: { readonly report?: StopReport } = {}): AmpRuleset {
    return { rules: [stopAction(options.report ?? "alert").matchResource("other")] }
  },

  /** Delivery tracking: a `notified` event for each outcome (default direct, stored and none). */
  trackDelivery(outcomes: readonly DeliverValue[] = ["direct", "stored", "none"]): AmpRuleset {
    return { rules: outcomes.map((outcome) => rule.notify.deliver(outcome)) }
  },
} as const
