// Rule builders, rulesets and recipes (XEP-0079 §3.3–§3.5, §4, §5): what ends up on the wire.

import xml from "@xmpp/xml"
import { AMP_ACTIONS } from "@xmpp-amp/amp-core"
import { describe, expect, it } from "vitest"
import { AmpClientError, type AmpRuleSpec, amp, recipes, rule, ruleset } from "../src/index.js"
import { example, rulesOf } from "./helpers/fixtures.js"
import { stubClient } from "./helpers/stubClient.js"

const attachTo = (rules: Parameters<ReturnType<typeof amp>["attach"]>[1], attrs = {}) => {
  const message = xml("message", { to: "juliet@example.test", ...attrs }, xml("body", {}, "hi"))
  const id = amp(stubClient("romeo@example.test/orchard")).attach(message, rules)
  return { message, id }
}

describe("rule builders", () => {
  it.each(AMP_ACTIONS)("%s has a builder for every condition, written as <rule/>", (action) => {
    const { message } = attachTo([
      rule[action].deliver("stored"),
      rule[action].expireAt("2030-01-01T00:00:00Z"),
      rule[action].matchResource("exact"),
    ])
    expect(rulesOf(message)).toEqual([
      { action, condition: "deliver", value: "stored" },
      { action, condition: "expire-at", value: "2030-01-01T00:00:00Z" },
      { action, condition: "match-resource", value: "exact" },
    ])
  })

  it("writes every deliver and match-resource value", () => {
    const values = ["direct", "stored", "none", "forward", "gateway"] as const
    const { message } = attachTo([
      ...values.map((value) => rule.notify.deliver(value)),
      ...(["any", "exact", "other"] as const).map((value) => rule.drop.matchResource(value)),
    ])
    expect(rulesOf(message).map((attrs) => attrs.value)).toEqual([
      ...values,
      "any",
      "exact",
      "other",
    ])
  })

  it("writes expire-at from a Date or epoch ms as a XEP-0082 UTC DateTime", () => {
    expect(rule.drop.expireAt(new Date(Date.UTC(2030, 5, 1, 12, 30, 0))).value).toBe(
      "2030-06-01T12:30:00Z",
    )
    expect(rule.alert.expireAt(Date.UTC(2030, 0, 2, 3, 4, 5, 678)).value).toBe(
      "2030-01-02T03:04:05.678Z",
    )
  })

  it("refuses an expire-at string that is not UTC, or an invalid Date, with a clear error", () => {
    expect(() => rule.drop.expireAt("2030-01-01T00:00:00+02:00")).toThrowError(
      /not a XEP-0082 DateTime in UTC/,
    )
    expect(() => rule.drop.expireAt("2030-02-30T00:00:00Z")).toThrowError(AmpClientError)
    expect(() => rule.drop.expireAt(new Date("nonsense"))).toThrowError(/valid date/)
  })

  it("writes per-hop='true' only for a per-hop ruleset", () => {
    const hop = attachTo(ruleset([rule.drop.deliver("none")], { perHop: true })).message
    const edge = attachTo(ruleset([rule.drop.deliver("none")])).message
    expect(hop.getChild("amp")?.attrs["per-hop"]).toBe("true")
    expect(edge.getChild("amp")?.attrs["per-hop"]).toBeUndefined()
  })
})

describe("recipes (XEP-0079 §5)", () => {
  it("transient: Example 13 (silent drop) and Example 14 (alert) rules", () => {
    expect(rulesOf(attachTo(recipes.transient()).message)).toEqual(rulesOf(example(13)))
    expect(rulesOf(attachTo(recipes.transient({ report: "alert" })).message)).toEqual(
      rulesOf(example(14)),
    )
  })

  it("time-sensitive: Example 12's expire-at drop rule", () => {
    expect(rulesOf(attachTo(recipes.expiring("2003-06-23T23:00:00Z")).message)).toEqual(
      rulesOf(example(12)),
    )
  })

  it("reliable delivery: Example 10's rules (error on expiry or another resource)", () => {
    const reliable = recipes.reliableDelivery({ expiresAt: "2004-09-10T08:33:14Z" })
    expect(rulesOf(attachTo(reliable).message)).toEqual(rulesOf(example(10)))
    expect(recipes.reliableDelivery({ report: "silent" }).rules).toEqual([
      { action: "drop", condition: "match-resource", value: "other" },
    ])
  })

  it("exact resource only, and delivery tracking for each outcome", () => {
    expect(recipes.exactResourceOnly().rules).toEqual([
      { action: "alert", condition: "match-resource", value: "other" },
    ])
    expect(recipes.trackDelivery().rules.map((spec) => `${spec.action}:${spec.value}`)).toEqual([
      "notify:direct",
      "notify:stored",
      "notify:none",
    ])
  })
})

describe("invalid rules are caught before sending", () => {
  // The negative vectors of reference §7 (Smack's incorrect_stanza_test.xml).
  const invalid: Array<[string, Partial<AmpRuleSpec>, string]> = [
    [
      "unknown action",
      { action: "test" as never, condition: "deliver", value: "direct" },
      "unsupported-actions",
    ],
    [
      "deliver value 'forwarded'",
      { action: "notify", condition: "deliver", value: "forwarded" },
      "not-acceptable",
    ],
    [
      "unknown condition",
      { action: "notify", condition: "delivered" as never, value: "direct" },
      "unsupported-conditions",
    ],
    ["missing condition", { action: "notify", value: "direct" }, "not-acceptable"],
    ["missing value", { action: "notify", condition: "deliver" }, "not-acceptable"],
    ["missing action", { condition: "deliver", value: "direct" }, "not-acceptable"],
    [
      "match-resource 'anys'",
      { action: "drop", condition: "match-resource", value: "anys" },
      "not-acceptable",
    ],
    ["empty value", { action: "drop", condition: "deliver", value: "" }, "not-acceptable"],
  ]

  it.each(invalid)("%s", (_, spec, kind) => {
    const message = xml("message", { to: "juliet@example.test" })
    const plugin = amp(stubClient("romeo@example.test/orchard"))
    let caught: unknown
    try {
      plugin.attach(message, [rule.notify.deliver("direct"), spec as AmpRuleSpec])
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(AmpClientError)
    expect(caught).toMatchObject({ reason: "invalid-rules", kind, rules: [spec] })
    expect((caught as Error).message).toContain(`value='${spec.value ?? ""}'`)
    expect(message.getChild("amp")).toBeUndefined()
  })

  it("refuses an empty ruleset", () => {
    expect(() => attachTo([])).toThrowError(/at least one rule/)
  })
})

describe("attach", () => {
  it("adds an id when the message has none, and keeps one it has", () => {
    const fresh = attachTo([rule.notify.deliver("direct")])
    expect(fresh.id).toMatch(/^[0-9a-f]{16}-1$/)
    expect(fresh.message.attrs.id).toBe(fresh.id)
    const kept = attachTo([rule.notify.deliver("direct")], { id: "m1" })
    expect(kept.id).toBe("m1")
    const empty = attachTo([rule.notify.deliver("direct")], { id: "" })
    expect(empty.id).not.toBe("")
    const plugin = amp(stubClient("romeo@example.test/orchard"))
    const ids = new Set(
      Array.from({ length: 100 }, () => plugin.attach(xml("message"), [rule.drop.deliver("none")])),
    )
    expect(ids.size).toBe(100)
  })

  it("refuses a message that already has <amp/>, an error message and a non-message", () => {
    const plugin = amp(stubClient("romeo@example.test/orchard"))
    const twice = xml("message", { to: "juliet@example.test" })
    plugin.attach(twice, [rule.drop.deliver("stored")])
    expect(() => plugin.attach(twice, [rule.drop.deliver("stored")])).toThrowError(
      /already carries an <amp\/>/,
    )
    expect(() =>
      plugin.attach(xml("message", { type: "error" }), [rule.drop.deliver("stored")]),
    ).toThrowError(AmpClientError)
    expect(() =>
      plugin.attach(xml("iq", { type: "set" }), [rule.drop.deliver("stored")]),
    ).toThrowError(expect.objectContaining({ reason: "invalid-message" }))
  })
})
