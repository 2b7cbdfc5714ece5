// The four delivery options a person picks in the composer, turned into XEP-0079 rules
// (§3.3 conditions, §3.4 actions, §5 scenarios). Blocking rules come first so that the reason a
// message stopped is always reported (alert), then the notify rules that report its progress.
import { type AmpRuleSpec, rule } from "@xmpp-amp/client"

/** What the sender asked for one message. */
export interface DeliveryOptions {
  /** "Tell me when delivered": notifications for direct delivery, storage and loss. */
  readonly tellWhenDelivered: boolean
  /** "Don't store if offline": deliver now or not at all (§5.3 transient). */
  readonly doNotStore: boolean
  /** "Expire after N minutes": never deliver after that (§5.2 time-sensitive). */
  readonly expireAfterMinutes: number | undefined
  /** "Only to this device": deliver to the chosen resource only (§3.3.3). */
  readonly onlyThisDevice: boolean
}

/** No option chosen. */
export const noDeliveryOptions: DeliveryOptions = {
  tellWhenDelivered: false,
  doNotStore: false,
  expireAfterMinutes: undefined,
  onlyThisDevice: false,
}

/** The rules for `options`; `now` (ms since the epoch) anchors the expiry time. */
export const rulesFor = (options: DeliveryOptions, now: number): AmpRuleSpec[] => {
  const rules: AmpRuleSpec[] = []
  if (options.expireAfterMinutes !== undefined) {
    rules.push(rule.alert.expireAt(now + options.expireAfterMinutes * 60_000))
  }
  if (options.doNotStore) rules.push(rule.alert.deliver("stored"))
  if (options.onlyThisDevice) rules.push(rule.alert.matchResource("other"))
  if (options.tellWhenDelivered) {
    rules.push(rule.notify.deliver("direct"), rule.notify.deliver("stored"))
    rules.push(rule.notify.deliver("none"))
  }
  return rules
}

/** True when an option changes what the server does, not only what it reports. */
export const changesDelivery = (options: DeliveryOptions): boolean =>
  options.doNotStore || options.onlyThisDevice || options.expireAfterMinutes !== undefined

/** A short label of the chosen options, e.g. "expires in 5 min · not stored". */
export const describeOptions = (options: DeliveryOptions): string => {
  const parts: string[] = []
  if (options.expireAfterMinutes !== undefined) {
    parts.push(`expires in ${options.expireAfterMinutes} min`)
  }
  if (options.doNotStore) parts.push("not stored if offline")
  if (options.onlyThisDevice) parts.push("this device only")
  return parts.join(" · ")
}
