// Spec §4 `match-resource` (XEP-0079 §3.3.3), decided at `initial` from the routing decision:
// an addressed resource with a session matches exact and any; other resources (bare JID, or an
// absent resource of a chat message) match other and any; no session matches nothing.
import { afterEach, describe, expect, it } from "vitest"
import { ampMessage, type Harness, JULIET, JULIET_BALCONY, setup } from "./support/harness.js"

let harness: Harness | undefined
afterEach(async () => {
  await harness?.plugin.stop()
  harness = undefined
})

const cases: readonly [string, string, boolean, readonly string[]][] = [
  ["the addressed resource", JULIET_BALCONY, true, ["exact", "any"]],
  ["the bare JID", JULIET, true, ["other", "any"]],
  ["an absent resource", "juliet@example.com/tomb", true, ["other", "any"]],
  ["an offline recipient", JULIET, false, []],
]

describe("match-resource (spec §4)", () => {
  it.each(cases)("to %s matches %j", async (_, to, online, matching) => {
    for (const value of ["exact", "other", "any"]) {
      harness = await setup()
      const juliet = online ? harness.host.connect(JULIET_BALCONY) : undefined
      const result = await harness.send(ampMessage(to, [["alert", "match-resource", value]]))
      const fires = matching.includes(value)
      expect(harness.romeo.received.map((stanza) => stanza.getChild("amp")?.attrs.status)).toEqual(
        fires ? ["alert"] : [],
      )
      expect(juliet?.received.length ?? 0).toBe(online && !fires ? 1 : 0)
      expect(result._tag === "Processed" && result.end === "stopped").toBe(fires)
      await harness.plugin.stop()
      harness = undefined
    }
  })

  it("only the first matching rule acts; the others matched at that event are used up", async () => {
    harness = await setup()
    const juliet = harness.host.connect(JULIET_BALCONY)
    await harness.send(
      ampMessage(JULIET_BALCONY, [
        ["notify", "match-resource", "any"],
        ["notify", "match-resource", "exact"],
        ["notify", "deliver", "direct"],
      ]),
    )
    expect(
      harness.romeo.received.map((stanza) => stanza.getChild("amp")?.getChild("rule")?.attrs.value),
    ).toEqual(["any", "direct"])
    expect(juliet.received).toHaveLength(1)
  })
})
