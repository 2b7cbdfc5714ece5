// RFC 6121 §3 / Appendix A subscription state machine (src/presence/Subscription.ts): the
// state tables for both sides, pending requests, and that nothing is pushed or forwarded
// when the state does not change.
import { describe, expect, it } from "vitest"
import {
  applyInbound,
  applyOutbound,
  emptyItem,
  isHidden,
} from "../../src/presence/Subscription.js"
import type { RosterItem, Subscription } from "../../src/storage/Storage.js"

const contact = "bob@localhost"
const item = (subscription: Subscription, extra: Partial<RosterItem> = {}): RosterItem => ({
  ...emptyItem(contact),
  name: "Bob",
  subscription,
  ...extra,
})
const state = (value: RosterItem | undefined) =>
  value === undefined
    ? "removed"
    : `${value.subscription}${value.ask_out ? "+ask" : ""}${value.pending_in ? "+pending" : ""}`

describe("outbound (the user sends)", () => {
  it.each([
    ["subscribe", item("none"), "none+ask"],
    ["subscribe", item("from"), "from+ask"],
    ["subscribe", item("to"), "to"],
    ["subscribed", item("none", { pending_in: "<presence/>" }), "from"],
    ["subscribed", item("to", { pending_in: "<presence/>" }), "both"],
    ["subscribed", item("none"), "none"],
    ["unsubscribe", item("both"), "from"],
    ["unsubscribe", item("to"), "none"],
    ["unsubscribe", item("none", { ask_out: true }), "none"],
    ["unsubscribed", item("both"), "to"],
    ["unsubscribed", item("from"), "none"],
    ["unsubscribed", item("none", { pending_in: "<presence/>" }), "none"],
  ] as const)("%s from %o gives %s", (type, before, after) => {
    expect(state(applyOutbound(before, contact, type).item)).toBe(after)
  })

  it("does not forward an approval nobody asked for (no pre-approval)", () => {
    expect(applyOutbound(item("none"), contact, "subscribed")).toMatchObject({
      changed: false,
      forward: false,
    })
  })

  it("creates a visible item with ask for a subscribe to a stranger", () => {
    const outcome = applyOutbound(undefined, contact, "subscribe")
    expect(outcome.item).toMatchObject({ jid: contact, subscription: "none", ask_out: true })
    expect(outcome.item !== undefined && isHidden(outcome.item)).toBe(false)
  })
})

describe("inbound (arrives for the user)", () => {
  it.each([
    ["subscribe", item("none"), "none+pending", true],
    ["subscribe", item("to"), "to+pending", true],
    ["subscribe", item("from"), "from", false],
    ["subscribed", item("none", { ask_out: true }), "to", true],
    ["subscribed", item("from", { ask_out: true }), "both", true],
    ["subscribed", item("none"), "none", false],
    ["unsubscribe", item("both"), "to", true],
    ["unsubscribe", item("from"), "none", true],
    ["unsubscribe", item("none", { pending_in: "<presence/>" }), "none", true],
    ["unsubscribed", item("both"), "from", true],
    ["unsubscribed", item("to"), "none", true],
    ["unsubscribed", item("none", { ask_out: true }), "none", true],
    ["unsubscribed", item("none"), "none", false],
  ] as const)("%s with %o gives %s (delivered: %s)", (type, before, after, forward) => {
    const outcome = applyInbound(before, contact, type, "<presence type='subscribe'/>")
    expect(state(outcome.item)).toBe(after)
    expect(outcome.forward).toBe(forward)
  })

  it("keeps a request from a stranger as a hidden item, removed again when denied", () => {
    const request = applyInbound(undefined, contact, "subscribe", "<presence type='subscribe'/>")
    expect(request.item?.pending_in).toBe("<presence type='subscribe'/>")
    expect(request.item !== undefined && isHidden(request.item)).toBe(true)
    const denied = applyOutbound(request.item, contact, "unsubscribed")
    expect(denied).toMatchObject({ item: undefined, changed: true, forward: true })
  })
})
