// The notify/alert reply written straight as text (`statusReplyText`) against the element path
// (`statusReply(…).toString()`, which the server's serializer writes identically): for any
// context (JIDs, ids and `to` with characters that need escaping, an absent id) and any rule
// (typed and shared, typed and unshared, raw texts with missing or odd attributes), the two
// texts are the same, the first time and again when the rule's text is reused.
import {
  type AmpSupport,
  ampSupport,
  parseRequest,
  parseXml,
  type ReplyContext,
  type RuleText,
  statusReply,
  statusReplyText,
} from "@xmpp-amp/amp-core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

const awkward = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom("a@example.com/r", "b&c@example.com/<x>", `q"u'o@t/e`, "", "é@ü.example/ñ"),
)

const context = fc.record({
  serverDomain: fc.oneof(fc.constant("example.com"), awkward),
  sender: awkward,
  originalTo: awkward,
  id: fc.option(awkward, { nil: undefined }),
}) as fc.Arbitrary<ReplyContext>

const maybe = <A>(arbitrary: fc.Arbitrary<A>) => fc.option(arbitrary, { nil: undefined })

const ruleText: fc.Arbitrary<RuleText> = fc
  .record({
    action: maybe(fc.oneof(fc.constantFrom("notify", "alert", "drop", "error"), awkward)),
    condition: maybe(fc.oneof(fc.constantFrom("deliver", "match-resource"), awkward)),
    value: maybe(fc.oneof(fc.constantFrom("direct", "stored", "any", "exact"), awkward)),
  })
  .map((fields) => {
    const text: Record<string, string> = {}
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) text[key] = value
    return text as RuleText
  })

const support = ampSupport() as AmpSupport

/** Typed rules as the request reading makes them (shared and frozen for the usual ones). */
const typedRules = fc
  .array(
    fc.record({
      action: fc.constantFrom("notify", "alert", "drop", "error"),
      condition: fc.constantFrom("deliver", "match-resource"),
      value: fc.constantFrom("direct", "stored", "none", "forward", "gateway", "any", "exact"),
    }),
    { minLength: 1, maxLength: 3 },
  )
  .map((rules) => {
    const text = `<message to="b@example.com" id="m"><amp xmlns="http://jabber.org/protocol/amp">${rules
      .map(
        (rule) =>
          `<rule action="${rule.action}" condition="${rule.condition}" value="${rule.value}"/>`,
      )
      .join("")}</amp></message>`
    const parsed = parseRequest(parseXml(text), support)
    return parsed._tag === "Valid" ? parsed.request.rules : []
  })

const rule = fc.oneof(
  ruleText,
  typedRules.chain((rules) =>
    rules.length === 0 ? ruleText : fc.constantFrom(...(rules as ReadonlyArray<RuleText>)),
  ),
)

describe("statusReplyText", () => {
  it("writes exactly the text of the reply element, for any context and rule", () => {
    fc.assert(
      fc.property(context, fc.constantFrom("notify", "alert"), rule, (reply, status, fired) => {
        const expected = statusReply(reply, status, fired).toString()
        expect(statusReplyText(reply, status, fired)).toBe(expected)
        // Again: the rule's part of the text may now come from the cache.
        expect(statusReplyText(reply, status, fired)).toBe(expected)
      }),
      { numRuns: 3000 },
    )
  })

  it("writes the reply of the usual shared rule, an example", () => {
    const parsed = parseRequest(
      parseXml(
        `<message to="b@example.com/r" id="m1"><amp xmlns="http://jabber.org/protocol/amp"><rule action="notify" condition="deliver" value="direct"/></amp></message>`,
      ),
      support,
    )
    if (parsed._tag !== "Valid") throw new Error(`not valid: ${parsed._tag}`)
    const [fired] = parsed.request.rules
    if (fired === undefined) throw new Error("no rule")
    expect(Object.isFrozen(fired)).toBe(true)
    const reply = {
      serverDomain: "example.com",
      sender: "a@example.com/r",
      originalTo: "b@example.com/r",
      id: "m1",
    }
    expect(statusReplyText(reply, "notify", fired)).toBe(
      `<message from="example.com" to="a@example.com/r" id="m1"><amp xmlns="http://jabber.org/protocol/amp" status="notify" from="a@example.com/r" to="b@example.com/r"><rule action="notify" condition="deliver" value="direct"/></amp></message>`,
    )
  })
})
