// The roster result and broadcast presences are written as text for speed (issue 25 item 2):
// the text must be exactly what serializing the equivalent element gives, special characters
// included, so clients see no difference.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { presenceText } from "../../src/presence/PresenceText.js"
import { rosterResultText } from "../../src/roster/RosterText.js"
import { rosterItemXml } from "../../src/roster/RosterXml.js"
import { iqResult } from "../../src/routing/StanzaError.js"
import type { RosterItem } from "../../src/storage/Storage.js"
import { serialize, xml } from "../../src/xml/Xml.js"

const text = fc.string({
  minLength: 1,
  maxLength: 12,
  unit: fc.constantFrom("a", "&", "<", ">", '"', "'", "é", " "),
})
const rosterItem: fc.Arbitrary<RosterItem> = fc.record({
  jid: text.map((local) => `${local}@localhost`),
  name: fc.option(text, { nil: undefined }),
  subscription: fc.constantFrom("none", "to", "from", "both"),
  ask_out: fc.boolean(),
  pending_in: fc.constant(undefined),
  groups: fc.uniqueArray(text, { maxLength: 3 }),
})

describe("roster and presence text", () => {
  it("writes the roster result exactly as the serialized elements", () => {
    fc.assert(
      fc.property(fc.array(rosterItem, { maxLength: 5 }), text, (items, id) => {
        const iq = xml("iq", { type: "get", id, from: "juliet@localhost/balcony" })
        const expected = serialize(
          iqResult(iq, xml("query", { xmlns: "jabber:iq:roster" }, items.map(rosterItemXml))),
        )
        expect(rosterResultText(iq, items)).toBe(expected)
      }),
    )
  })

  it("leaves hidden items (a pending inbound request only) out of the result", () => {
    const iq = xml("iq", { type: "get", id: "r1" })
    const hidden: RosterItem = {
      jid: "stranger@localhost",
      name: undefined,
      subscription: "none",
      ask_out: false,
      pending_in: "<presence type='subscribe'/>",
      groups: [],
    }
    expect(rosterResultText(iq, [hidden])).toBe(
      '<iq type="result" id="r1"><query xmlns="jabber:iq:roster"/></iq>',
    )
  })

  it("addresses one serialized presence to each recipient", () => {
    fc.assert(
      fc.property(text, fc.option(text, { nil: undefined }), (resource, status) => {
        const presence = xml(
          "presence",
          { xmlns: "jabber:client", from: "romeo@localhost/orchard", to: "old@localhost" },
          status === undefined ? undefined : xml("status", {}, status),
        )
        for (const to of ["juliet@localhost", `nurse@localhost/${resource}`]) {
          const addressed = xml(
            "presence",
            { to, xmlns: "jabber:client", from: "romeo@localhost/orchard" },
            ...presence.children,
          )
          expect(presenceText(presence, to)).toBe(serialize(addressed))
        }
        // The element itself keeps its attributes.
        expect(presence.attrs.to).toBe("old@localhost")
      }),
    )
  })
})
