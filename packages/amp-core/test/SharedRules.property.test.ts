// The quick reading of the usual AMP request (shared typed rules, `InternedRules.ts`) against
// the full reading (rule texts, then validation): for any message, with `<amp/>` elements and
// `<rule/>` children of every kind (valid, invalid, unsupported, expire-at, other namespaces,
// prefixes, missing or empty attributes) and any support configuration, `parseRequest` gives
// exactly what `parseRequestInFull` gives; and the shared rules cannot be changed by a caller.
import xml, { type Element } from "@xmpp/xml"
import {
  AMP_NS,
  type AmpSupport,
  ampSupport,
  parseRequest,
  parseRequestInFull,
  parseXml,
} from "@xmpp-amp/amp-core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

const maybe = <A>(arbitrary: fc.Arbitrary<A>) => fc.option(arbitrary, { nil: undefined })

const attributes = (pairs: Record<string, string | undefined>): Record<string, string> => {
  const kept: Record<string, string> = {}
  for (const [key, value] of Object.entries(pairs)) if (value !== undefined) kept[key] = value
  return kept
}

const ruleElement = fc
  .record({
    action: maybe(fc.constantFrom("notify", "alert", "drop", "error", "", "bounce")),
    condition: maybe(fc.constantFrom("deliver", "match-resource", "expire-at", "", "weather")),
    value: maybe(
      fc.constantFrom(
        "direct",
        "stored",
        "none",
        "forward",
        "gateway",
        "any",
        "exact",
        "other",
        "",
        "2030-01-01T00:00:00Z",
        "tomorrow",
      ),
    ),
    namespace: fc.constantFrom("inherited", "inherited", "inherited", "amp", "other", "prefixed"),
  })
  .map(({ action, condition, value, namespace }): Element | string => {
    const attrs = attributes({ action, condition, value })
    if (namespace === "amp") return xml("rule", { ...attrs, xmlns: AMP_NS })
    if (namespace === "other") return xml("rule", { ...attrs, xmlns: "urn:example:other" })
    if (namespace === "prefixed") return xml("a:rule", { ...attrs, "xmlns:a": AMP_NS })
    return xml("rule", attrs)
  })

const ampElement = fc
  .record({
    status: maybe(fc.constantFrom("notify", "")),
    perHop: maybe(fc.constantFrom("true", "false", "1", "0", "yes")),
    namespace: fc.constantFrom("amp", "amp", "amp", "other"),
    children: fc.array(fc.oneof(ruleElement, fc.constant(" ")), { maxLength: 5 }),
  })
  .map(({ status, perHop, namespace, children }) =>
    xml(
      "amp",
      {
        ...attributes({ status, "per-hop": perHop }),
        xmlns: namespace === "amp" ? AMP_NS : "urn:example:other",
      },
      ...children,
    ),
  )

const message = fc
  .record({
    id: maybe(fc.constantFrom("m1", "")),
    type: maybe(fc.constantFrom("chat", "error", "normal")),
    children: fc.array(fc.oneof(ampElement, ampElement, fc.constant(xml("body", {}, "hi"))), {
      maxLength: 3,
    }),
  })
  .map(({ id, type, children }) =>
    xml(
      "message",
      { ...attributes({ id, type }), xmlns: "jabber:client", to: "juliet@example.com" },
      ...children,
    ),
  )

const support = fc
  .record({
    actions: fc.subarray(["notify", "alert", "drop", "error"], { minLength: 1 }),
    conditions: fc.subarray(["deliver", "match-resource", "expire-at"], { minLength: 1 }),
    maxRules: fc.integer({ min: 1, max: 4 }),
  })
  .map((options) => ampSupport(options) as AmpSupport)

describe("the quick reading of a request", () => {
  it("gives what the full reading gives, for any message and support", () => {
    fc.assert(
      fc.property(message, support, (stanza, enabled) => {
        expect(parseRequest(stanza, enabled)).toEqual(parseRequestInFull(stanza, enabled))
      }),
      { numRuns: 5000 },
    )
  })

  it("also for the message as a client sends it, through XML text", () => {
    fc.assert(
      fc.property(message, support, (stanza, enabled) => {
        const parsed = parseXml(stanza.toString())
        expect(parseRequest(parsed, enabled)).toEqual(parseRequestInFull(parsed, enabled))
      }),
      { numRuns: 1000 },
    )
  })

  it("shares the rules it reads, and they cannot be changed", () => {
    const request = (id: string) =>
      parseXml(
        `<message xmlns='jabber:client' id='${id}' to='j@example.com'><amp xmlns='${AMP_NS}'>` +
          "<rule action='notify' condition='deliver' value='direct'/></amp></message>",
      )
    const first = parseRequest(request("a"), ampSupport() as AmpSupport)
    const second = parseRequest(request("b"), ampSupport() as AmpSupport)
    if (first._tag !== "Valid" || second._tag !== "Valid") throw new Error("expected valid")
    expect(second.request.rules).toBe(first.request.rules)
    expect(Object.isFrozen(first.request.rules[0])).toBe(true)
    expect(first.request).toEqual({
      id: "a",
      perHop: false,
      rules: [{ index: 0, action: "notify", condition: "deliver", value: "direct" }],
    })
  })
})
