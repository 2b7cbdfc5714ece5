// RFC 6121 §3 and Appendix A: the presence subscription state machine as pure functions over
// one roster item. "Outbound" is what the user sends to a contact; "inbound" is what arrives
// for the user from a contact. Each returns the new item (undefined: remove it) and what the
// server must do next. Pre-approval (§3.4) is not supported: `subscribed` without a pending
// request is ignored.
import type { RosterItem, Subscription } from "../storage/Storage.js"

/** The four subscription presence types. */
export type SubscriptionType = "subscribe" | "subscribed" | "unsubscribe" | "unsubscribed"

/** The effect of one subscription stanza on one side. */
export interface SubscriptionOutcome {
  /** The item after the stanza; `undefined` removes it; `item` unchanged when `changed` is false. */
  readonly item: RosterItem | undefined
  readonly changed: boolean
  /** Outbound: route the stanza to the contact. Inbound: deliver it to the user. */
  readonly forward: boolean
}

/** A new item for a contact not yet in the roster. */
export const emptyItem = (jid: string): RosterItem => ({
  jid,
  name: undefined,
  subscription: "none",
  ask_out: false,
  pending_in: undefined,
  groups: [],
})

const isBlank = (item: RosterItem): boolean =>
  item.subscription === "none" &&
  !item.ask_out &&
  item.name === undefined &&
  item.groups.length === 0

/**
 * RFC 6121 §3.1.3: an item that only remembers an inbound request (no subscription, no own
 * request, no name, no groups) is not part of the roster the user sees.
 */
export const isHidden = (item: RosterItem): boolean =>
  isBlank(item) && item.pending_in !== undefined

const hasTo = (subscription: Subscription): boolean =>
  subscription === "to" || subscription === "both"
const hasFrom = (subscription: Subscription): boolean =>
  subscription === "from" || subscription === "both"

const withTo = (subscription: Subscription, on: boolean): Subscription =>
  hasFrom(subscription) ? (on ? "both" : "from") : on ? "to" : "none"
const withFrom = (subscription: Subscription, on: boolean): Subscription =>
  hasTo(subscription) ? (on ? "both" : "to") : on ? "from" : "none"

const unchanged = (item: RosterItem | undefined, forward: boolean): SubscriptionOutcome => ({
  item,
  changed: false,
  forward,
})

/** Drops an item that only existed for a pending request once nothing is left of it. */
const settle = (
  before: RosterItem | undefined,
  after: RosterItem,
  forward: boolean,
): SubscriptionOutcome => {
  const wasHidden = before === undefined || isHidden(before)
  const nothingLeft = isBlank(after) && after.pending_in === undefined
  return { item: wasHidden && nothingLeft ? undefined : after, changed: true, forward }
}

/** RFC 6121 §3.1.2, §3.2.2, §3.3.2, A.2: the user sends `type` to `contact`. */
export const applyOutbound = (
  item: RosterItem | undefined,
  contact: string,
  type: SubscriptionType,
): SubscriptionOutcome => {
  const current = item ?? emptyItem(contact)
  switch (type) {
    case "subscribe":
      if (hasTo(current.subscription) || current.ask_out) return unchanged(item, true)
      return settle(item, { ...current, ask_out: true }, true)
    case "subscribed":
      if (current.pending_in === undefined) return unchanged(item, false)
      return settle(
        item,
        { ...current, subscription: withFrom(current.subscription, true), pending_in: undefined },
        true,
      )
    case "unsubscribe":
      if (!hasTo(current.subscription) && !current.ask_out) return unchanged(item, true)
      return settle(
        item,
        { ...current, subscription: withTo(current.subscription, false), ask_out: false },
        true,
      )
    case "unsubscribed":
      if (!hasFrom(current.subscription) && current.pending_in === undefined)
        return unchanged(item, true)
      return settle(
        item,
        { ...current, subscription: withFrom(current.subscription, false), pending_in: undefined },
        true,
      )
  }
}

/** The contact-side result of inbound `subscribe` when the user already lets the contact see presence. */
export const autoApproves = (item: RosterItem | undefined): boolean =>
  item !== undefined && hasFrom(item.subscription)

/** RFC 6121 §3.1.3, §3.1.6, §3.2.3, §3.3.3, A.3: `type` arrives for the user from `contact`. */
export const applyInbound = (
  item: RosterItem | undefined,
  contact: string,
  type: SubscriptionType,
  request: string,
): SubscriptionOutcome => {
  const current = item ?? emptyItem(contact)
  switch (type) {
    case "subscribe":
      if (hasFrom(current.subscription)) return unchanged(item, false)
      return settle(item, { ...current, pending_in: request }, true)
    case "subscribed":
      if (!current.ask_out || hasTo(current.subscription)) return unchanged(item, false)
      return settle(
        item,
        { ...current, subscription: withTo(current.subscription, true), ask_out: false },
        true,
      )
    case "unsubscribe":
      if (!hasFrom(current.subscription) && current.pending_in === undefined)
        return unchanged(item, false)
      return settle(
        item,
        { ...current, subscription: withFrom(current.subscription, false), pending_in: undefined },
        true,
      )
    case "unsubscribed":
      if (!hasTo(current.subscription) && !current.ask_out) return unchanged(item, false)
      return settle(
        item,
        { ...current, subscription: withTo(current.subscription, false), ask_out: false },
        true,
      )
  }
}

/** True when `contact` may see the user's presence (RFC 6121 §4.2.2 broadcast targets). */
export const receivesPresence = (item: RosterItem): boolean => hasFrom(item.subscription)

/** True when the user sees `contact`'s presence (probe targets, §4.3). */
export const seesPresence = (item: RosterItem): boolean => hasTo(item.subscription)
