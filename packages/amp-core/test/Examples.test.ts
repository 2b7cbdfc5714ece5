// Every XEP-0079 example (1–26) as a fixture: requests parse to the expected model and
// round-trip, replies classify (tolerating errata E3–E8), disco and stream feature read back.
import {
  AMP_DISCO_NODE,
  DISCO_INFO_NS,
  FULL_SUPPORT,
  findAmpElement,
  hasStreamFeature,
  parseReply,
  parseRequest,
  readAmpNodeInfo,
  serializeRequest,
  supportsAmp,
} from "@xmpp-amp/amp-core"
import { describe, expect, it } from "vitest"
import { canonical, example } from "./support/xml.js"

const expireDrop = {
  index: 0,
  action: "drop",
  condition: "expire-at",
  value: "2004-01-01T00:00:00Z",
  expiresAt: Date.UTC(2004, 0, 1),
}

const requests = [
  { number: 5, id: "richard2-4.1.247", perHop: false, rules: [expireDrop] },
  { number: 6, id: "richard2-4.1.247", perHop: true, rules: [expireDrop] },
  {
    number: 10,
    id: "ibb1",
    perHop: true,
    rules: [
      {
        index: 0,
        action: "error",
        condition: "expire-at",
        value: "2004-09-10T08:33:14Z",
        expiresAt: Date.UTC(2004, 8, 10, 8, 33, 14),
      },
      { index: 1, action: "error", condition: "match-resource", value: "other" },
    ],
  },
  {
    number: 12,
    id: "alert849",
    perHop: false,
    rules: [
      {
        index: 0,
        action: "drop",
        condition: "expire-at",
        value: "2003-06-23T23:00:00Z",
        expiresAt: Date.UTC(2003, 5, 23, 23),
      },
    ],
  },
  {
    number: 13,
    id: "chatty1",
    perHop: false,
    rules: [{ index: 0, action: "drop", condition: "deliver", value: "stored" }],
  },
  {
    number: 14,
    id: "chatty2",
    perHop: false,
    rules: [{ index: 0, action: "alert", condition: "deliver", value: "stored" }],
  },
  { number: 16, id: "richard2-4.1.247", perHop: false, rules: [expireDrop] },
  { number: 18, id: "richard2-4.1.247", perHop: false, rules: [expireDrop] },
  { number: 20, id: "richard2-4.1.247", perHop: false, rules: [expireDrop] },
  { number: 22, id: "richard2-4.1.247", perHop: false, rules: [expireDrop] },
]

describe("XEP-0079 request examples", () => {
  it.each(requests)("Example $number parses to its request", ({ number, ...expected }) => {
    expect(parseRequest(example(number), FULL_SUPPORT)).toEqual({
      _tag: "Valid",
      request: expected,
    })
  })

  it.each(requests)("Example $number round-trips through serializeRequest", ({ number }) => {
    const message = example(number)
    const parsed = parseRequest(message, FULL_SUPPORT)
    if (parsed._tag !== "Valid") throw new Error(`Example ${number} did not parse`)
    const original = findAmpElement(message)
    if (original === undefined) throw new Error("no <amp/>")
    expect(canonical(serializeRequest(parsed.request))).toBe(canonical(original))
  })

  it("Example 10 keeps its foreign IBB payload out of the AMP model", () => {
    const parsed = parseRequest(example(10), FULL_SUPPORT)
    expect(parsed._tag === "Valid" && parsed.request.rules.map((rule) => rule.condition)).toEqual([
      "expire-at",
      "match-resource",
    ])
  })
})

const replies = [
  { number: 7, kind: "alert", id: "chatty2", rule: ["alert", "deliver", "stored"] },
  { number: 8, kind: "error-action", id: "chatty2", rule: ["error", "deliver", "stored"] },
  { number: 9, kind: "notify", id: "chatty2", rule: ["notify", "deliver", "stored"] },
  { number: 11, kind: "error-action", id: "ibb1", rule: ["error", "match-resource", "other"] },
  { number: 15, kind: "alert", id: "chatty2", rule: ["alert", "deliver", "stored"] },
  {
    number: 17,
    kind: "unsupported-actions",
    id: "richard2-4.1.247",
    rule: ["drop", "expire-at", "2004-01-01T00:00:00Z"],
  },
  {
    number: 19,
    kind: "unsupported-conditions",
    id: "richard2-4.1.247",
    rule: ["drop", "expire-at", "2004-01-01T00:00:00Z"],
  },
  {
    number: 21,
    kind: "not-acceptable",
    id: "richard2-4.1.247",
    rule: ["drop", "expire-at", "2004-01-01T00:00:00Z"],
  },
  {
    number: 23,
    kind: "service-unavailable",
    id: "richard2-4.1.247",
    rule: ["drop", "expire-at", "2004-01-01T00:00:00Z"],
  },
  { number: 24, kind: "error-action", id: "chatty2", rule: ["error", "deliver", "stored"] },
  { number: 25, kind: "error-action", id: "chatty2", rule: ["error", "deliver", "stored"] },
] as const

describe("XEP-0079 reply examples", () => {
  it.each(replies)("Example $number is a $kind reply", ({ number, kind, id, rule }) => {
    const [action, condition, value] = rule
    expect(parseReply(example(number))).toMatchObject({
      kind,
      id,
      rules: [{ action, condition, value }],
    })
  })

  it("keeps amp from/to as written, swapped in Examples 8, 9 and 25 (E3)", () => {
    expect(parseReply(example(8))).toMatchObject({
      ampFrom: "francisco@hamlet.lit",
      ampTo: "bernardo@hamlet.lit/elsinore",
    })
    expect(parseReply(example(7))).toMatchObject({
      ampFrom: "bernardo@hamlet.lit/elsinore",
      ampTo: "francisco@hamlet.lit",
    })
  })

  it("reports the remote server of Example 23 as the reply's from", () => {
    expect(parseReply(example(23))?.from).toBe("royalty.england.lit")
  })

  it.each([5, 6, 10, 12, 13, 14, 16, 18, 20, 22])(
    "Example %i is a request, not a reply",
    (number) => {
      expect(parseReply(example(number))).toBeUndefined()
    },
  )

  it.each([7, 8, 9, 15, 17, 19, 21, 23, 24, 25])("Example %i is not a request", (number) => {
    expect(parseRequest(example(number), FULL_SUPPORT)._tag).not.toBe("Valid")
  })

  it("Example 11 (no type='error', no status: E4) would read as a request if a client sent it", () => {
    expect(parseRequest(example(11), FULL_SUPPORT)._tag).toBe("Valid")
  })
})

describe("XEP-0079 discovery and stream feature examples", () => {
  it("Examples 1 and 3 are disco#info gets, the second on the AMP node", () => {
    expect(example(1).getChild("query", DISCO_INFO_NS)?.attrs.node).toBeUndefined()
    expect(example(3).getChild("query", DISCO_INFO_NS)?.attrs.node).toBe(AMP_DISCO_NODE)
  })

  it("Example 2 (with its '...' lines stripped, E19) advertises AMP", () => {
    const query = example(2).getChild("query", DISCO_INFO_NS)
    expect(query !== undefined && supportsAmp(query)).toBe(true)
  })

  it("Example 4 lists drop, error and notify (not alert, E9) and all three conditions", () => {
    const query = example(4).getChild("query", DISCO_INFO_NS)
    if (query === undefined) throw new Error("no query")
    expect(readAmpNodeInfo(query)).toEqual({
      actions: ["drop", "error", "notify"],
      conditions: ["deliver", "expire-at", "match-resource"],
      assumed: false,
    })
  })

  it("Example 26 advertises the AMP stream feature (unbound stream: prefix tolerated)", () => {
    expect(hasStreamFeature(example(26))).toBe(true)
  })
})
