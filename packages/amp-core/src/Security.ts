// XEP-0079 §9 and spec §7: which rules could reveal the recipient's presence. The server plugin
// refuses them (not-acceptable) unless the sender may see the recipient's presence.
import type { AmpRule } from "./Model.js"

/** True when a rule's replies could reveal presence: deliver (not forward/gateway), match-resource, expire-at. */
export const revealsPresence = (rule: AmpRule): boolean =>
  rule.condition !== "deliver" || (rule.value !== "forward" && rule.value !== "gateway")

/** The rules of a request that the presence check must refuse for an unauthorised sender. */
export const rulesRevealingPresence = (rules: readonly AmpRule[]): AmpRule[] =>
  rules.filter(revealsPresence)
