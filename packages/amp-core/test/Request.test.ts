// Spec §2 (recognising a request, structural rejections) and §3 (validation with every offending
// rule, grouped by the first failing kind), through parseRequest on real <message/> stanzas.
import {
  ampSupport,
  carriesAmp,
  childElements,
  FULL_SUPPORT,
  isAmpRequest,
  parseRequest,
  parseXml,
} from "@xmpp-amp/amp-core"
import { describe, expect, it } from "vitest"

const message = (amp: string, attributes = "id='m1' to='juliet@capulet.lit'") =>
  parseXml(`<message xmlns='jabber:client' ${attributes}><body>hi</body>${amp}</message>`)

const amp = (rules: string, attributes = "") =>
  `<amp xmlns='http://jabber.org/protocol/amp'${attributes}>${rules}</amp>`

const rule = (action: string, condition: string, value: string) =>
  `<rule action='${action}' condition='${condition}' value='${value}'/>`

const support = (options: Parameters<typeof ampSupport>[0]) => {
  const result = ampSupport(options)
  if ("_tag" in result) throw new Error(result.message)
  return result
}

describe("recognising a request (spec §2)", () => {
  it("is a message with <amp/> in the AMP namespace and no status", () => {
    expect(isAmpRequest(message(amp(rule("notify", "deliver", "direct"))))).toBe(true)
  })

  it.each([
    ["another namespace", message("<amp xmlns='urn:example:amp'><rule/></amp>")],
    ["no amp at all", message("")],
    ["a status", message(amp(rule("notify", "deliver", "direct"), " status='notify'"))],
    ["type='error'", message(amp(rule("notify", "deliver", "direct")), "id='m' type='error'")],
    [
      "not a message",
      parseXml(`<iq xmlns='jabber:client' id='x'>${amp(rule("a", "b", "c"))}</iq>`),
    ],
  ])("is not a request with %s", (_, stanza) => {
    expect(isAmpRequest(stanza)).toBe(false)
  })

  it("carriesAmp spots client-sent statuses that must be bounced", () => {
    expect(carriesAmp(message(amp(rule("notify", "deliver", "direct"), " status='alert'")))).toBe(
      true,
    )
  })

  it("parseRequest says NotAmp for messages without AMP and for error messages", () => {
    expect(parseRequest(message(""), FULL_SUPPORT)).toEqual({ _tag: "NotAmp" })
    expect(
      parseRequest(message(amp(rule("x", "y", "z")), "id='e' type='error'"), FULL_SUPPORT),
    ).toEqual({ _tag: "NotAmp" })
  })
})

describe("structural rejections (spec §2), in order", () => {
  it.each([
    ["status-present", message(amp(rule("notify", "deliver", "direct"), " status='notify'"))],
    [
      "status-present",
      message(amp(rule("notify", "deliver", "direct"), " status='notify'"), "to='x@y'"),
    ],
    [
      "multiple-amp",
      message(amp(rule("notify", "deliver", "direct")) + amp(rule("drop", "deliver", "stored"))),
    ],
    ["missing-id", message(amp(rule("notify", "deliver", "direct")), "to='x@y'")],
    ["missing-id", message(amp(rule("notify", "deliver", "direct")), "id='' to='x@y'")],
    ["missing-id", message(amp(""), "to='x@y'")],
    ["no-rules", message(amp(""))],
    ["no-rules", message(amp("<rule xmlns='urn:other' action='notify'/>"))],
    ["invalid-per-hop", message(amp(rule("notify", "deliver", "direct"), " per-hop='yes'"))],
    [
      "invalid-per-hop",
      message(amp(rule("notify", "deliver", "direct"), " per-hop='constructor'")),
    ],
    [
      "invalid-per-hop",
      message(
        amp("", " per-hop='TRUE'").replace("></amp>", `>${rule("drop", "deliver", "none")}</amp>`),
      ),
    ],
    ["too-many-rules", message(amp(rule("notify", "deliver", "direct").repeat(17)))],
  ])("%s", (reason, stanza) => {
    const result = parseRequest(stanza, FULL_SUPPORT)
    expect(result).toMatchObject({ _tag: "StructuralFailure", reason })
    expect(result._tag === "StructuralFailure" && result.text.length).toBeGreaterThan(10)
  })

  it("carries the id when there is one, for the bounce", () => {
    expect(parseRequest(message(amp("")), FULL_SUPPORT)).toMatchObject({ id: "m1" })
    expect(parseRequest(message(amp(""), "to='x'"), FULL_SUPPORT)).toMatchObject({
      id: undefined,
    })
  })

  it("honours a configured max_rules", () => {
    const three = message(amp(rule("notify", "deliver", "direct").repeat(3)))
    expect(parseRequest(three, support({ maxRules: 2 }))).toMatchObject({
      reason: "too-many-rules",
    })
    expect(parseRequest(three, support({ maxRules: 3 }))._tag).toBe("Valid")
    expect(
      parseRequest(message(amp(rule("notify", "deliver", "direct").repeat(16))), FULL_SUPPORT)._tag,
    ).toBe("Valid")
  })

  it.each([
    ["true", true],
    ["1", true],
    ["false", false],
    ["0", false],
  ])("accepts per-hop='%s'", (text, perHop) => {
    const result = parseRequest(
      message(amp(rule("notify", "deliver", "direct"), ` per-hop='${text}'`)),
      FULL_SUPPORT,
    )
    expect(result._tag === "Valid" && result.request.perHop).toBe(perHop)
  })
})

describe("validation (spec §3): every offending rule of the first failing kind", () => {
  const validate = (rules: string, config = FULL_SUPPORT) =>
    parseRequest(message(amp(rules)), config)

  it.each([
    ["missing condition", "<rule action='notify' value='direct'/>", {}],
    ["missing value", "<rule action='notify' condition='deliver'/>", {}],
    ["missing action", "<rule condition='deliver' value='direct'/>", {}],
    ["empty value", rule("notify", "deliver", ""), {}],
    ["empty action", rule("", "deliver", "direct"), {}],
    ["empty condition of an unknown kind", rule("notify", "", "x"), {}],
    ["deliver value 'forwarded' (Smack vector)", rule("notify", "deliver", "forwarded"), {}],
    ["match-resource value 'anys' (Smack vector)", rule("drop", "match-resource", "anys"), {}],
    ["expire-at not in UTC", rule("drop", "expire-at", "2004-01-01T00:00:00+01:00"), {}],
    ["expire-at Feb 30", rule("drop", "expire-at", "2004-02-30T00:00:00Z"), {}],
    ["deliver value with spaces", rule("notify", "deliver", " direct"), {}],
  ])("not-acceptable: %s", (_, rules) => {
    expect(validate(rules)).toMatchObject({ _tag: "ValidationFailure", kind: "not-acceptable" })
  })

  it("judges no value of an unknown or disabled condition", () => {
    expect(validate(rule("notify", "delivered", "whatever"))).toMatchObject({
      kind: "unsupported-conditions",
    })
    expect(
      validate(rule("drop", "expire-at", "not a date"), support({ conditions: ["deliver"] })),
    ).toMatchObject({ kind: "unsupported-conditions" })
  })

  it("reports unknown or disabled actions (Smack vector 'test')", () => {
    expect(validate(rule("test", "deliver", "direct"))).toMatchObject({
      kind: "unsupported-actions",
      rules: [{ action: "test", condition: "deliver", value: "direct" }],
    })
    expect(
      validate(rule("alert", "deliver", "stored"), support({ actions: ["notify", "error"] })),
    ).toMatchObject({ kind: "unsupported-actions" })
  })

  it("lists all offending rules of the first failing kind, in document order, as written", () => {
    const rules = [
      rule("bogus", "deliver", "stored"),
      rule("notify", "deliver", "sideways"),
      rule("notify", "teleport", "now"),
      rule("drop", "expire-at", "2004-02-30T00:00:00Z"),
      rule("notify", "deliver", "direct"),
    ].join("")
    expect(validate(rules)).toEqual({
      _tag: "ValidationFailure",
      kind: "not-acceptable",
      id: "m1",
      rules: [
        { action: "notify", condition: "deliver", value: "sideways" },
        { action: "drop", condition: "expire-at", value: "2004-02-30T00:00:00Z" },
      ],
    })
  })

  it("puts unsupported actions before unsupported conditions", () => {
    const rules = [
      rule("notify", "teleport", "now"),
      rule("bogus", "deliver", "stored"),
      rule("bogus2", "deliver", "none"),
    ].join("")
    expect(validate(rules)).toMatchObject({
      kind: "unsupported-actions",
      rules: [{ action: "bogus" }, { action: "bogus2" }],
    })
  })

  it("keeps attribute text unchanged for echoing (no trimming, no case folding)", () => {
    expect(validate(rule("Notify", "deliver", "direct"))).toMatchObject({
      rules: [{ action: "Notify", condition: "deliver", value: "direct" }],
    })
  })

  it("accepts every defined combination and types the values", () => {
    const result = validate(
      [
        rule("alert", "deliver", "forward"),
        rule("drop", "match-resource", "exact"),
        rule("error", "expire-at", "2004-09-10T08:33:14.250-00:00"),
        rule("notify", "deliver", "gateway"),
      ].join(""),
    )
    expect(result).toEqual({
      _tag: "Valid",
      request: {
        id: "m1",
        perHop: false,
        rules: [
          { index: 0, action: "alert", condition: "deliver", value: "forward" },
          { index: 1, action: "drop", condition: "match-resource", value: "exact" },
          {
            index: 2,
            action: "error",
            condition: "expire-at",
            value: "2004-09-10T08:33:14.250-00:00",
            expiresAt: Date.UTC(2004, 8, 10, 8, 33, 14, 250),
          },
          { index: 3, action: "notify", condition: "deliver", value: "gateway" },
        ],
      },
    })
  })
})

describe("ampSupport", () => {
  it("refuses unknown names and a bad max_rules instead of ignoring them", () => {
    expect(ampSupport({ actions: ["notify", "explode"] })).toMatchObject({
      _tag: "AmpSupportError",
      message: "unknown action: explode",
    })
    expect(ampSupport({ conditions: ["deliver", "when"] })).toMatchObject({
      _tag: "AmpSupportError",
    })
    expect(ampSupport({ maxRules: 0 })).toMatchObject({ _tag: "AmpSupportError" })
  })

  it("keeps the defined order whatever the configured order", () => {
    expect(
      ampSupport({ actions: ["notify", "alert"], conditions: ["match-resource", "deliver"] }),
    ).toEqual({
      actions: ["alert", "notify"],
      conditions: ["deliver", "match-resource"],
      maxRules: 16,
    })
  })
})

describe("namespaces as XML defines them, not as written", () => {
  it("reads a request whose <amp/> and <rule/> use a prefix", () => {
    const stanza = parseXml(
      "<message id='p1'><a:amp xmlns:a='http://jabber.org/protocol/amp' per-hop='1'>" +
        "<a:rule action='notify' condition='deliver' value='stored'/></a:amp></message>",
    )
    expect(parseRequest(stanza, FULL_SUPPORT)).toEqual({
      _tag: "Valid",
      request: {
        id: "p1",
        perHop: true,
        rules: [{ index: 0, action: "notify", condition: "deliver", value: "stored" }],
      },
    })
  })

  it("gives unprefixed children the default namespace, even under a prefixed parent", () => {
    const wrapper = parseXml(
      "<x:wrapper xmlns:x='urn:example' xmlns='http://jabber.org/protocol/amp'><rule/><x:rule/></x:wrapper>",
    )
    expect(childElements(wrapper, "rule", "http://jabber.org/protocol/amp")).toHaveLength(1)
    expect(childElements(wrapper, "rule", "urn:example")).toHaveLength(1)
  })

  it("does not take an <amp/> in the AMP namespace only by its prefix name", () => {
    const stanza = parseXml(
      "<message id='p2' xmlns:amp='urn:not-amp'><amp:amp><amp:rule action='notify' condition='deliver' value='stored'/></amp:amp></message>",
    )
    expect(parseRequest(stanza, FULL_SUPPORT)).toEqual({ _tag: "NotAmp" })
  })
})
