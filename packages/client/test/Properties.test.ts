// Property tests: whatever the builders produce is a valid XEP-0079 request for a full server
// (amp-core's own server-side parser agrees, §4 and spec §2–3), and no incoming message, however
// odd, makes the plugin throw or settles a tracker unless it comes from the user's server.

import xml, { type Element } from "@xmpp/xml"
import { AMP_ACTIONS, FULL_SUPPORT, parseRequest } from "@xmpp-amp/amp-core"
import fc from "fast-check"
import { expect, it } from "vitest"
import { type AmpRuleSpec, amp, rule } from "../src/index.js"
import { stubClient } from "./helpers/stubClient.js"

const ME = "romeo@example.test/orchard"

const builtRule: fc.Arbitrary<AmpRuleSpec> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(...AMP_ACTIONS),
      fc.constantFrom("direct", "stored", "none", "forward", "gateway"),
    )
    .map(([action, value]) => rule[action].deliver(value as "direct")),
  fc
    .tuple(fc.constantFrom(...AMP_ACTIONS), fc.constantFrom("any", "exact", "other"))
    .map(([action, value]) => rule[action].matchResource(value as "any")),
  fc
    .tuple(
      fc.constantFrom(...AMP_ACTIONS),
      fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }),
    )
    .map(([action, at]) => rule[action].expireAt(at)),
)

it("every built ruleset is accepted, rule for rule, by amp-core's request parser", () => {
  fc.assert(
    fc.property(
      fc.array(builtRule, { minLength: 1, maxLength: 16 }),
      fc.boolean(),
      (rules, perHop) => {
        const message = xml("message", { to: "juliet@example.test" })
        amp(stubClient(ME)).attach(message, { rules, perHop })
        const parsed = parseRequest(message, FULL_SUPPORT)
        expect(parsed._tag).toBe("Valid")
        if (parsed._tag !== "Valid") return
        expect(parsed.request.perHop).toBe(perHop)
        expect(
          parsed.request.rules.map(({ action, condition, value }) => ({
            action,
            condition,
            value,
          })),
        ).toEqual(rules)
      },
    ),
  )
})

const attribute = fc.constantFrom(
  "from",
  "to",
  "id",
  "type",
  "status",
  "xmlns",
  "action",
  "condition",
  "value",
  "per-hop",
)
const text = fc.oneof(
  fc.constantFrom(
    "example.test",
    "m1",
    "error",
    "notify",
    "alert",
    "http://jabber.org/protocol/amp",
    "http://jabber.org/protocol/amp#errors",
    "urn:ietf:params:xml:ns:xmpp-stanzas",
    "",
  ),
  fc.string({ maxLength: 8 }),
)
const name = fc.constantFrom(
  "message",
  "amp",
  "rule",
  "error",
  "failed-rules",
  "invalid-rules",
  "unsupported-actions",
  "body",
  "service-unavailable",
  "x",
)

const level = (children: fc.Arbitrary<Element | string>): fc.Arbitrary<Element> =>
  fc
    .tuple(
      name,
      fc.dictionary(attribute, text, { maxKeys: 4 }),
      fc.array(children, { maxLength: 3 }),
    )
    .map(([tag, attrs, kids]) => xml(tag, attrs, ...kids))

/** Elements three levels deep built from AMP-ish names, attributes and values. */
const element = level(
  fc.oneof(
    level(fc.oneof(level(fc.string({ maxLength: 4 })), fc.string({ maxLength: 4 }))),
    fc.string({ maxLength: 4 }),
  ),
)

it("no incoming stanza throws, and only the user's server can settle a tracked message", () => {
  fc.assert(
    fc.property(fc.array(element, { maxLength: 6 }), (stanzas) => {
      const client = stubClient(ME)
      const plugin = amp(client)
      const tracker = plugin.track("m1")
      for (const stanza of stanzas) {
        const message = xml(
          "message",
          { ...stanza.attrs, id: "m1", from: "juliet@example.test/balcony" },
          ...stanza.children,
        )
        expect(() => client.receive(message)).not.toThrow()
        expect(() => client.receive(stanza)).not.toThrow()
      }
      for (const event of tracker.events) {
        expect([undefined, "example.test"]).toContain(event.stanza.attrs.from)
      }
    }),
  )
})
