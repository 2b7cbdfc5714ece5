// Property tests (fast-check): parse ∘ serialize is the identity on valid requests, no input
// makes the parsers throw, and the resolver never fires a rule twice, never fires after a stop
// and leaves nothing pending once a message ends.

import xml, { type Element } from "@xmpp/xml"
import {
  AMP_EVENTS,
  AMP_NS,
  type AmpRequest,
  type AmpRule,
  decodeMessageState,
  encodeMessageState,
  FULL_SUPPORT,
  formatUtcDateTime,
  parseReply,
  parseRequest,
  parseUtcDateTime,
  parseXml,
  type RoutingDecision,
  resolve,
  serializeRequest,
  startMessage,
  validateRules,
} from "@xmpp-amp/amp-core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

const instant = fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2100, 0, 1) })

const ruleText = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("alert", "drop", "error", "notify"),
      fc.constantFrom("direct", "stored", "none", "forward", "gateway"),
    )
    .map(([action, value]) => ({ action, condition: "deliver", value })),
  fc
    .tuple(
      fc.constantFrom("alert", "drop", "error", "notify"),
      fc.constantFrom("any", "exact", "other"),
    )
    .map(([action, value]) => ({ action, condition: "match-resource", value })),
  fc.tuple(fc.constantFrom("alert", "drop", "error", "notify"), instant).map(([action, time]) => ({
    action,
    condition: "expire-at",
    value: formatUtcDateTime(time),
  })),
)

const validRules = fc.array(ruleText, { minLength: 1, maxLength: 16 }).map((texts) => {
  const result = validateRules(texts, FULL_SUPPORT)
  if (result._tag !== "Valid") throw new Error("generator produced an invalid rule")
  return result.rules
})

const request = fc.record({
  id: fc.string({ minLength: 1 }),
  perHop: fc.boolean(),
  rules: validRules,
})

const messageWith = (amp: Element, id: string) =>
  xml("message", { xmlns: "jabber:client", id, to: "juliet@capulet.lit" }, amp)

describe("request round trip", () => {
  it("parseRequest(serializeRequest(r)) = r for every valid request", () => {
    fc.assert(
      fc.property(request, (generated: AmpRequest) => {
        const parsed = parseRequest(
          messageWith(serializeRequest(generated), generated.id),
          FULL_SUPPORT,
        )
        expect(parsed).toEqual({ _tag: "Valid", request: generated })
      }),
    )
  })

  it("also through XML text (serialize, print, parse with @xmpp/xml)", () => {
    fc.assert(
      fc.property(request, (generated) => {
        const text = messageWith(serializeRequest(generated), generated.id).toString()
        const parsed = parseRequest(parseXml(text), FULL_SUPPORT)
        expect(parsed).toEqual({ _tag: "Valid", request: generated })
      }),
      { numRuns: 50 },
    )
  })

  it("DateTime formatting round-trips", () => {
    fc.assert(fc.property(instant, (time) => parseUtcDateTime(formatUtcDateTime(time)) === time))
  })
})

const name = fc.oneof(
  fc.constantFrom("message", "amp", "rule", "error", "failed-rules", "invalid-rules", "body"),
  fc.string(),
)
const attributeName = fc.oneof(
  fc.constantFrom(
    "id",
    "type",
    "status",
    "per-hop",
    "action",
    "condition",
    "value",
    "from",
    "to",
    "xmlns",
    "constructor",
    "__proto__",
    "toString",
  ),
  fc.string({ minLength: 1 }),
)
const attributeValue = fc.oneof(
  fc.constantFrom(
    "",
    "true",
    "0",
    "yes",
    "error",
    "notify",
    "deliver",
    "stored",
    "expire-at",
    "2004-02-30T00:00:00Z",
    AMP_NS,
    "http://jabber.org/protocol/amp#errors",
  ),
  fc.string(),
)
const element: fc.Arbitrary<Element> = fc.letrec<{ node: Element }>((tie) => ({
  node: fc
    .tuple(
      name,
      fc.dictionary(attributeName, attributeValue, { maxKeys: 6 }),
      fc.array(fc.oneof(fc.string(), tie("node"), fc.constantFrom(null, 7)), { maxLength: 4 }),
    )
    .map(([elementName, attributes, children]) => {
      const built = xml(elementName, {})
      for (const [key, value] of Object.entries(attributes)) {
        Object.defineProperty(built.attrs, key, { value, enumerable: true, writable: true })
      }
      built.children.push(...(children as Element[]))
      return built
    }),
})).node

describe("robustness: no input makes a parser throw", () => {
  it("parseRequest and parseReply accept any element tree", () => {
    fc.assert(
      fc.property(element, (tree) => {
        const message = xml("message", { id: "p" }, tree)
        parseRequest(tree, FULL_SUPPORT)
        parseRequest(message, FULL_SUPPORT)
        parseReply(tree)
        parseReply(message)
      }),
      { numRuns: 500 },
    )
  })

  it("validateRules, parseUtcDateTime and decodeMessageState accept any strings", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record(
            { action: fc.string(), condition: fc.string(), value: fc.string() },
            { requiredKeys: [] },
          ),
        ),
        fc.string(),
        (texts, text) => {
          validateRules(texts, FULL_SUPPORT)
          parseUtcDateTime(text)
          decodeMessageState(text)
          decodeMessageState(`amp1|new|n|${text}`)
        },
      ),
    )
  })
})

const routingDecision: fc.Arbitrary<RoutingDecision> = fc.record({
  sessions: fc.constantFrom("addressed-resource", "other-resources", "none"),
  wouldStoreOffline: fc.boolean(),
  wouldArchive: fc.boolean(),
})
const events = fc.array(fc.tuple(fc.constantFrom(...AMP_EVENTS), instant), { maxLength: 12 })
const FINAL_EVENTS = new Set(["delivered", "offline-delivery"])
const WAITING_STAGES = new Set(["stored", "in-storage"])

describe("resolver invariants", () => {
  it("never fires a rule twice, never after a stop, and ends with nothing pending", () => {
    fc.assert(
      fc.property(validRules, routingDecision, instant, events, (rules, decision, start, later) => {
        let state = startMessage(rules, decision)
        const fired = new Set<number>()
        let stopped = false
        for (const [event, now] of [["initial", start] as const, ...later]) {
          const before = encodeMessageState(state)
          const resolution = resolve(state, event, now)
          if (resolution.fired !== undefined) {
            expect(stopped).toBe(false)
            expect(fired.has(resolution.fired.index)).toBe(false)
            fired.add(resolution.fired.index)
            expect(state.rules).toContain(resolution.fired)
          }
          if (resolution.stop) stopped = true
          if (resolution.ended !== undefined || resolution.state.stage === "finished") {
            expect(resolution.state.rules).toEqual([])
          }
          if (FINAL_EVENTS.has(event) && WAITING_STAGES.has(state.stage)) {
            const delivered = event === "delivered" || !resolution.stop
            expect(resolution.ended).toBe(delivered ? "delivered" : "stopped")
          }
          if (event === "delivered" && state.stage === "direct") {
            expect(resolution.ended).toBe("delivered")
          }
          if (state.stage === "finished") expect(resolution.fired).toBeUndefined()
          const accounted = [
            ...(resolution.fired ? [resolution.fired] : []),
            ...resolution.usedUp,
            ...resolution.discarded,
            ...resolution.state.rules,
          ]
            .map((rule: AmpRule) => rule.index)
            .sort((left, right) => left - right)
          expect(accounted).toEqual(state.rules.map((rule) => rule.index))
          expect(decodeMessageState(encodeMessageState(resolution.state))).toEqual(resolution.state)
          expect(encodeMessageState(state)).toBe(before)
          state = resolution.state
        }
      }),
      { numRuns: 1000 },
    )
  })
})
