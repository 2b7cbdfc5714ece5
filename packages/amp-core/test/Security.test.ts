// XEP-0079 §9 / spec §7: which rules could reveal the recipient's presence and are refused for a
// sender not allowed to see it (the plugin answers them with a not-acceptable validation error).
import {
  FULL_SUPPORT,
  parseRequest,
  parseXml,
  rulesRevealingPresence,
  validationErrorReply,
} from "@xmpp-amp/amp-core"
import { describe, expect, it } from "vitest"
import { rules } from "./support/resolver.js"

describe("rulesRevealingPresence", () => {
  it("keeps deliver (but not forward/gateway), match-resource and expire-at rules, any action", () => {
    const request = rules(
      ["drop", "deliver", "stored"],
      ["notify", "deliver", "forward"],
      ["alert", "deliver", "gateway"],
      ["notify", "match-resource", "any"],
      ["drop", "expire-at", "2030-01-01T00:00:00Z"],
      ["error", "deliver", "none"],
    )
    expect(rulesRevealingPresence(request).map((rule) => rule.index)).toEqual([0, 3, 4, 5])
  })

  it("feeds a not-acceptable reply that echoes those rules as written", () => {
    const parsed = parseRequest(
      parseXml(
        "<message id='s1' to='nurse@capulet.lit'><amp xmlns='http://jabber.org/protocol/amp'>" +
          "<rule action='alert' condition='deliver' value='stored'/>" +
          "<rule action='notify' condition='deliver' value='gateway'/></amp></message>",
      ),
      FULL_SUPPORT,
    )
    if (parsed._tag !== "Valid") throw new Error("should be valid")
    const refused = rulesRevealingPresence(parsed.request.rules)
    const reply = validationErrorReply(
      {
        serverDomain: "capulet.lit",
        sender: "romeo@montague.lit/orchard",
        originalTo: "nurse@capulet.lit",
        id: "s1",
      },
      "not-acceptable",
      refused,
    )
    expect(reply.toString()).toContain(
      '<invalid-rules xmlns="http://jabber.org/protocol/amp"><rule action="alert" condition="deliver" value="stored"/></invalid-rules>',
    )
  })
})
