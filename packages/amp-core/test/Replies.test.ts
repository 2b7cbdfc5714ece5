// Spec §5 reply shapes and the spec §2 bounce, checked against the XEP-0079 examples (with the
// errata the spec fixes: E3 from/to, E5 status on validation errors, E8 code 406) and read back
// with parseReply.
import {
  actionReply,
  alertReply,
  type Element,
  errorActionReply,
  notifyReply,
  parseReply,
  parseXml,
  type ReplyContext,
  structuralRejectionReply,
  validationErrorReply,
} from "@xmpp-amp/amp-core"
import { describe, expect, it } from "vitest"
import { rules } from "./support/resolver.js"
import { canonical, example } from "./support/xml.js"

const hamlet: ReplyContext = {
  serverDomain: "hamlet.lit",
  sender: "bernardo@hamlet.lit/elsinore",
  originalTo: "francisco@hamlet.lit",
  id: "chatty2",
}

const expireDrop = { action: "drop", condition: "expire-at", value: "2004-01-01T00:00:00Z" }
const shakespeare: ReplyContext = {
  serverDomain: "shakespeare.lit",
  sender: "northumberland@shakespeare.lit/westminster",
  originalTo: "kingrichard@royalty.england.lit",
  id: "richard2-4.1.247",
}

/** Applies the spec's corrections to an XEP example so it can be compared byte for byte. */
const corrected = (element: Element, edit: (element: Element) => void): string => {
  edit(element)
  return canonical(element)
}

describe("notify and alert replies", () => {
  it("an alert equals Examples 7 and 15", () => {
    const [rule] = rules(["alert", "deliver", "stored"])
    if (rule === undefined) throw new Error("rule")
    expect(canonical(alertReply(hamlet, rule))).toBe(canonical(example(15)))
    expect(canonical(alertReply(hamlet, rule))).toBe(canonical(example(7)))
  })

  it("a notify equals Example 9 with amp from/to in the order of §4.1 (E3)", () => {
    const [rule] = rules(["notify", "deliver", "stored"])
    if (rule === undefined) throw new Error("rule")
    const expected = corrected(example(9), (message) => {
      const amp = message.getChild("amp")
      if (amp === undefined) throw new Error("amp")
      amp.attrs.from = hamlet.sender
      amp.attrs.to = hamlet.originalTo
    })
    expect(canonical(notifyReply(hamlet, rule))).toBe(expected)
  })

  it("carry no body and exactly one rule, as written", () => {
    const reply = notifyReply(hamlet, { action: "notify", condition: "deliver", value: "direct" })
    expect(reply.getChild("body")).toBeUndefined()
    expect(reply.toString()).toBe(
      '<message from="hamlet.lit" to="bernardo@hamlet.lit/elsinore" id="chatty2">' +
        '<amp xmlns="http://jabber.org/protocol/amp" status="notify" from="bernardo@hamlet.lit/elsinore" to="francisco@hamlet.lit">' +
        '<rule action="notify" condition="deliver" value="direct"/></amp></message>',
    )
  })
})

describe("error action reply", () => {
  it("equals Example 25 with amp from/to in the order of §4.1 (E3)", () => {
    const [rule] = rules(["error", "deliver", "stored"])
    if (rule === undefined) throw new Error("rule")
    const expected = corrected(example(25), (message) => {
      const amp = message.getChild("amp")
      if (amp === undefined) throw new Error("amp")
      amp.attrs.from = hamlet.sender
      amp.attrs.to = hamlet.originalTo
    })
    expect(canonical(errorActionReply(hamlet, rule))).toBe(expected)
  })

  it("actionReply picks the shape from the action, and nothing for drop", () => {
    const [notify, alert, error, drop] = rules(
      ["notify", "deliver", "direct"],
      ["alert", "deliver", "stored"],
      ["error", "match-resource", "other"],
      ["drop", "deliver", "none"],
    )
    if (!notify || !alert || !error || !drop) throw new Error("rules")
    expect(parseReply(actionReply(hamlet, notify) ?? parseXml("<x/>"))?.kind).toBe("notify")
    expect(parseReply(actionReply(hamlet, alert) ?? parseXml("<x/>"))?.kind).toBe("alert")
    expect(parseReply(actionReply(hamlet, error) ?? parseXml("<x/>"))?.kind).toBe("error-action")
    expect(actionReply(hamlet, drop)).toBeUndefined()
  })
})

describe("validation error replies", () => {
  const withSpecCopy = (number: number, code: string) =>
    corrected(example(number), (message) => {
      const amp = message.getChild("amp")
      const error = message.getChild("error")
      if (amp === undefined || error === undefined) throw new Error("shape")
      amp.attrs.status = "error"
      amp.attrs.from = shakespeare.sender
      amp.attrs.to = shakespeare.originalTo
      message.attrs.to = shakespeare.sender
      error.attrs.code = code
    })

  it("unsupported-actions equals Example 17 plus the status/from/to the spec requires (E5)", () => {
    expect(canonical(validationErrorReply(shakespeare, "unsupported-actions", [expireDrop]))).toBe(
      withSpecCopy(17, "400"),
    )
  })

  it("unsupported-conditions equals Example 19 plus status/from/to (E5)", () => {
    expect(
      canonical(validationErrorReply(shakespeare, "unsupported-conditions", [expireDrop])),
    ).toBe(withSpecCopy(19, "400"))
  })

  it("not-acceptable equals Example 21 with code 406 (E8) plus status/from/to (E5)", () => {
    expect(canonical(validationErrorReply(shakespeare, "not-acceptable", [expireDrop]))).toBe(
      withSpecCopy(21, "406"),
    )
  })

  it("lists every rule, echoed as written (even malformed ones)", () => {
    const written = [
      { action: "notify", condition: "deliver" },
      { action: "Drop", condition: "deliver", value: " none" },
    ]
    const reply = validationErrorReply(shakespeare, "not-acceptable", written)
    expect(parseReply(reply)).toMatchObject({ kind: "not-acceptable", rules: written })
    const container = reply
      .getChild("error")
      ?.getChild("invalid-rules", "http://jabber.org/protocol/amp")
    expect(container?.getChildren("rule").map((rule) => rule.attrs)).toEqual(written)
  })
})

describe("structural bounce (spec §2)", () => {
  it("is a bad-request with an English text, no amp copy, and no id when there was none", () => {
    const bounce = structuralRejectionReply(
      { serverDomain: "capulet.lit", sender: "romeo@montague.lit/orchard" },
      "<amp/> carries no <rule/>.",
    )
    expect(bounce.toString()).toBe(
      '<message from="capulet.lit" to="romeo@montague.lit/orchard" type="error">' +
        '<error type="modify" code="400"><bad-request xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>' +
        '<text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas" xml:lang="en">&lt;amp/&gt; carries no &lt;rule/&gt;.</text>' +
        "</error></message>",
    )
    expect(parseReply(bounce)).toBeUndefined()
  })

  it("keeps the id when the request had one", () => {
    const bounce = structuralRejectionReply(
      { serverDomain: "capulet.lit", sender: "romeo@montague.lit/orchard", id: "r1" },
      "why",
    )
    expect(bounce.attrs.id).toBe("r1")
  })
})
