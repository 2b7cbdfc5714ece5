// Spec §4 beyond single deliver rules: match-resource decided at initial, expire-at (initial,
// expired, offline delivery, MAM only), several rules per message, stops and message ends.
import { FULL_SUPPORT, outcomePath, parseRequest, resolve, startMessage } from "@xmpp-amp/amp-core"
import { describe, expect, it } from "vitest"
import { routing, rules, run } from "./support/resolver.js"
import { example } from "./support/xml.js"

const T = Date.UTC(2030, 0, 1)
const at = (offset: number) => T + offset
const expiry = "2030-01-01T00:00:00Z"

describe("outcomePath", () => {
  it.each([
    [routing("addressed-resource", false, false), ["direct", "none"]],
    [routing("other-resources", true, false), ["direct", "stored", "none"]],
    [routing("addressed-resource", false, true), ["direct", "stored", "none"]],
    [routing("none", true, true), ["stored", "none"]],
    [routing("none", false, true), ["stored", "none"]],
    [routing("none", false, false), ["none"]],
  ] as const)("%o → %o", (decision, path) => {
    expect(outcomePath(decision)).toEqual(path)
  })
})

describe("match-resource (decided at initial, erratum E10: §3.3.3 reading)", () => {
  const cases = [
    ["addressed-resource", "exact", true],
    ["addressed-resource", "any", true],
    ["addressed-resource", "other", false],
    ["other-resources", "exact", false],
    ["other-resources", "any", true],
    ["other-resources", "other", true],
    ["none", "exact", false],
    ["none", "any", false],
    ["none", "other", false],
  ] as const
  it.each(cases)("sessions=%s, value=%s → met: %s", (sessions, value, met) => {
    for (const action of ["notify", "alert", "drop", "error"] as const) {
      const { firings, state } = run(
        routing(sessions, true, false),
        rules([action, "match-resource", value]),
        ["initial"],
      )
      expect(firings).toEqual(
        met ? [{ event: "initial", index: 0, action, stop: action !== "notify" }] : [],
      )
      expect(state.rules).toEqual([])
    }
  })

  it("a message to a full JID whose resource is online does not meet 'other' even if others are online", () => {
    const { firings } = run(
      routing("addressed-resource", false, false),
      rules(["error", "match-resource", "other"]),
      ["initial", "delivered"],
    )
    expect(firings).toEqual([])
  })

  it("applies match-resource at this edge even with per-hop='true' (Example 10, erratum E12)", () => {
    const parsed = parseRequest(example(10), FULL_SUPPORT)
    if (parsed._tag !== "Valid") throw new Error("Example 10 should be valid")
    const { firings } = run(
      routing("other-resources", true, false),
      parsed.request.rules,
      ["initial"],
      Date.UTC(2004, 0, 1),
    )
    expect(firings).toEqual([{ event: "initial", index: 1, action: "error", stop: true }])
  })
})

describe("expire-at", () => {
  it("fires at initial when the time is already past (on or after: ≥)", () => {
    const { firings } = run(routing("none", true, false), rules(["drop", "expire-at", expiry]), [
      ["initial", at(0)],
    ])
    expect(firings).toEqual([{ event: "initial", index: 0, action: "drop", stop: true }])
  })

  it("stays pending in storage, reports the next expiry, and fires at expired", () => {
    const requestRules = rules(
      ["alert", "expire-at", "2030-01-01T00:00:05Z"],
      ["drop", "expire-at", expiry],
    )
    const { firings, resolutions } = run(routing("none", true, false), requestRules, [
      ["initial", at(-1000)],
      ["stored", at(-900)],
      ["expired", at(-1)],
      ["expired", at(0)],
    ])
    expect(resolutions[1]?.nextExpiry).toBe(T)
    expect(resolutions[2]?.fired).toBeUndefined()
    expect(firings).toEqual([{ event: "expired", index: 1, action: "drop", stop: true }])
    expect(resolutions[3]?.ended).toBe("stopped")
  })

  it("notify at expired tells the sender and the message is still delivered later", () => {
    const { firings, resolutions } = run(
      routing("none", true, false),
      rules(["notify", "expire-at", expiry], ["drop", "expire-at", "2030-01-02T00:00:00Z"]),
      [
        ["initial", at(-10)],
        ["stored", at(-5)],
        ["expired", at(0)],
        ["offline-delivery", at(10)],
      ],
    )
    expect(firings).toEqual([{ event: "expired", index: 0, action: "notify", stop: false }])
    expect(resolutions[2]?.nextExpiry).toBe(Date.UTC(2030, 0, 2))
    expect(resolutions[3]?.ended).toBe("delivered")
    expect(resolutions[3]?.discarded.map((rule) => rule.index)).toEqual([1])
  })

  it("is checked again at offline delivery", () => {
    const { firings } = run(routing("none", true, false), rules(["error", "expire-at", expiry]), [
      ["initial", at(-10)],
      ["stored", at(-5)],
      ["offline-delivery", at(3)],
    ])
    expect(firings).toEqual([{ event: "offline-delivery", index: 0, action: "error", stop: true }])
  })

  it("is discarded when the message is delivered before the time", () => {
    const { firings, resolutions } = run(
      routing("addressed-resource", true, false),
      rules(["drop", "expire-at", expiry]),
      [
        ["initial", at(-10)],
        ["delivered", at(-5)],
        ["expired", at(10)],
      ],
    )
    expect(firings).toEqual([])
    expect(resolutions[1]?.discarded.map((rule) => rule.index)).toEqual([0])
  })

  it("with MAM only, stays with the archived copy and is discarded when the recipient comes online first", () => {
    const { firings, resolutions } = run(
      routing("none", false, true),
      rules(["drop", "expire-at", expiry]),
      [
        ["initial", at(-10)],
        ["archived", at(-9)],
        ["offline-delivery", at(-1)],
      ],
    )
    expect(resolutions[1]?.state.rules.map((rule) => rule.index)).toEqual([0])
    expect(resolutions[1]?.nextExpiry).toBe(T)
    expect(firings).toEqual([])
    expect(resolutions[2]?.state.rules).toEqual([])
  })
})

describe("several rules on one message", () => {
  it("a blocking rule gets its chance before a notify rule on the same outcome, whatever the order", () => {
    const { firings } = run(
      routing("none", false, false),
      rules(["notify", "deliver", "none"], ["alert", "deliver", "none"]),
      ["initial"],
    )
    expect(firings).toEqual([{ event: "initial", index: 1, action: "alert", stop: true }])
  })

  it("only the first matched rule acts; the other matched rules at that event are used up", () => {
    const { firings, resolutions } = run(
      routing("addressed-resource", false, false),
      rules(
        ["notify", "match-resource", "any"],
        ["error", "deliver", "direct"],
        ["notify", "deliver", "direct"],
      ),
      ["initial", "delivered"],
    )
    expect(resolutions[0]?.usedUp.map((rule) => rule.index)).toEqual([1])
    expect(firings).toEqual([
      { event: "initial", index: 0, action: "notify", stop: false },
      { event: "delivered", index: 2, action: "notify", stop: false },
    ])
  })

  it("produces several notifications at different events, never the same rule twice", () => {
    const { firings } = run(
      routing("other-resources", true, false),
      rules(["notify", "match-resource", "other"], ["notify", "deliver", "stored"]),
      ["initial", "delivery-failed", "stored", "stored", "offline-delivery"],
    )
    expect(firings.map((firing) => [firing.event, firing.index])).toEqual([
      ["initial", 0],
      ["stored", 1],
    ])
  })

  it("gives one direct notification for a message delivered to several resources", () => {
    const { firings } = run(
      routing("other-resources", false, false),
      rules(["notify", "deliver", "direct"]),
      ["initial", "delivered", "delivered", "delivered"],
    )
    expect(firings).toHaveLength(1)
  })

  it("a stored message never gets a none notification", () => {
    const { firings, resolutions } = run(
      routing("none", true, true),
      rules(["notify", "deliver", "none"], ["notify", "deliver", "stored"]),
      ["initial", "archived", "stored", "store-failed"],
    )
    expect(firings).toEqual([{ event: "stored", index: 1, action: "notify", stop: false }])
    expect(resolutions[2]?.discarded.map((rule) => rule.index)).toEqual([0])
  })

  it("the transient message of Example 13 is dropped instead of stored after a failed delivery", () => {
    const { firings, resolutions } = run(
      routing("addressed-resource", false, true),
      rules(["drop", "deliver", "stored"], ["notify", "deliver", "none"]),
      ["initial", "archived", "delivery-failed", "archive-failed"],
    )
    expect(firings).toEqual([{ event: "delivery-failed", index: 0, action: "drop", stop: true }])
    expect(resolutions[2]?.reply).toBeUndefined()
    expect(resolutions[2]?.ended).toBe("stopped")
  })

  it("nothing fires after a stop, whatever events follow", () => {
    const { firings } = run(
      routing("addressed-resource", true, true),
      rules(
        ["error", "deliver", "direct"],
        ["notify", "deliver", "stored"],
        ["notify", "deliver", "none"],
      ),
      ["initial", "delivery-failed", "stored", "store-failed", "expired", "offline-delivery"],
    )
    expect(firings).toEqual([{ event: "initial", index: 0, action: "error", stop: true }])
  })
})

describe("resolutions", () => {
  it("report the reply to send: notify/alert/error, none for drop", () => {
    for (const [action, reply] of [
      ["notify", "notify"],
      ["alert", "alert"],
      ["error", "error"],
      ["drop", undefined],
    ] as const) {
      const resolution = resolve(
        startMessage(rules([action, "deliver", "none"]), routing("none", false, false)),
        "initial",
        0,
      )
      expect(resolution.reply).toBe(reply)
    }
  })

  it("mark a message that ends at none as discarded (the plugin bounces it after the notification)", () => {
    const { resolutions } = run(
      routing("addressed-resource", false, false),
      rules(["notify", "deliver", "none"]),
      ["initial", "delivery-failed"],
    )
    expect(resolutions.map((resolution) => resolution.ended)).toEqual([undefined, "discarded"])
  })

  it("discard forward and gateway rules at initial: they are valid but never fire", () => {
    const { resolutions } = run(
      routing("addressed-resource", true, true),
      rules(["notify", "deliver", "forward"], ["error", "deliver", "gateway"]),
      ["initial"],
    )
    expect(resolutions[0]?.discarded.map((rule) => rule.index)).toEqual([0, 1])
    expect(resolutions[0]?.state.rules).toEqual([])
  })

  it("ignore events before initial", () => {
    const state = startMessage(rules(["notify", "deliver", "stored"]), routing("none", true, false))
    expect(resolve(state, "stored", 0)).toMatchObject({ fired: undefined, state })
  })
})
