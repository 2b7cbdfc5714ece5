// The compact text form of a message's resolver state (spec §4: pending rules survive a
// restart while the message is stored): round trips and refusal of anything else.
import { decodeMessageState, encodeMessageState, resolve, startMessage } from "@xmpp-amp/amp-core"
import { describe, expect, it } from "vitest"
import { routing, rules } from "./support/resolver.js"

describe("message state codec", () => {
  it("stores a stored message's pending expire-at rules on one line and restores them", () => {
    const state = resolve(
      resolve(
        startMessage(
          rules(
            ["notify", "deliver", "stored"],
            ["drop", "expire-at", "2030-01-01T00:00:00.5Z"],
            ["notify", "expire-at", "2031-06-01T12:00:00+00:00"],
          ),
          routing("none", true, true),
        ),
        "initial",
        0,
      ).state,
      "stored",
      1,
    ).state
    const text = encodeMessageState(state)
    expect(text).toBe(
      "amp1|in-storage|nSM|1 drop expire-at 2030-01-01T00:00:00.5Z|2 notify expire-at 2031-06-01T12:00:00+00:00",
    )
    expect(decodeMessageState(text)).toEqual(state)
  })

  it("round-trips every stage and routing flag", () => {
    for (const stage of ["new", "direct", "stored", "in-storage", "finished"] as const) {
      for (const sessions of ["addressed-resource", "other-resources", "none"] as const) {
        const state = {
          ...startMessage(
            rules(["error", "match-resource", "any"]),
            routing(sessions, false, true),
          ),
          stage,
          archivedCopy: true,
        }
        expect(decodeMessageState(encodeMessageState(state))).toEqual(state)
      }
    }
  })

  it.each([
    "",
    "amp2|new|n",
    "amp1|lost|n",
    "amp1|new|x",
    "amp1|new|nMS",
    "amp1|new|n|0 notify deliver sideways",
    "amp1|new|n|0 explode deliver direct",
    "amp1|new|n|1 notify deliver direct|0 notify deliver none",
    "amp1|new|n|x notify deliver direct",
    "amp1|new|n|0 drop expire-at 2004-02-30T00:00:00Z",
  ])("refuses %j", (text) => {
    expect(decodeMessageState(text)).toBeUndefined()
  })
})
