// Fuzzing the AMP parsers (issue 10 item 3) beyond Properties.test.ts: the XEP-0079 examples
// mutated as text and as trees (attributes removed, duplicated, renamespaced, huge, unicode,
// deep nesting inside and around <amp/>) under random support configurations. parseRequest
// always answers one of its documented results, an invalid request lists exactly the rules of
// its failing kind, a valid one survives serialise → print → parse; parseReply is stable
// through print → parse; decodeMessageState of corrupt rows says undefined, never throws, and
// never misreads one.
import xml, { type Element } from "@xmpp/xml"
import {
  AMP_ERRORS_NS,
  AMP_NS,
  type AmpMessageState,
  type AmpSupport,
  ampSupport,
  childElements,
  decodeMessageState,
  decodeMessageStateResult,
  encodeMessageState,
  FULL_SUPPORT,
  findAmpElement,
  parseReply,
  parseRequest,
  parseXml,
  type RequestParseResult,
  type RuleText,
  readRuleText,
  serializeRequest,
  startMessage,
  VALIDATION_KINDS,
  validateRules,
} from "@xmpp-amp/amp-core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { exampleText } from "./support/xml.js"

const seed = Number(process.env.FUZZ_SEED ?? 20_261_204)
const scale = Number(process.env.FUZZ_SCALE ?? 1)
const options = (numRuns: number) => ({ seed, numRuns: Math.ceil(numRuns * scale) })

const examples = Array.from({ length: 26 }, (_, index) => exampleText(index + 1))
const messageExamples = examples.filter((text) => text.trimStart().startsWith("<message"))

const STRUCTURAL_REASONS = [
  "status-present",
  "multiple-amp",
  "missing-id",
  "no-rules",
  "invalid-per-hop",
  "too-many-rules",
]

const support: fc.Arbitrary<AmpSupport> = fc
  .record({
    actions: fc.subarray(["alert", "drop", "error", "notify"]),
    conditions: fc.subarray(["deliver", "expire-at", "match-resource"]),
    maxRules: fc.integer({ min: 1, max: 20 }),
  })
  .map((wanted) => {
    const built = ampSupport(wanted)
    if ("_tag" in built) throw new Error(built.message)
    return built
  })

/** Checks that a parse result is one of the documented ones, with its promises kept. */
const expectDocumented = (
  message: Element,
  result: RequestParseResult,
  configuration: AmpSupport,
): void => {
  switch (result._tag) {
    case "NotAmp":
      return
    case "StructuralFailure":
      expect(STRUCTURAL_REASONS).toContain(result.reason)
      expect(result.text.length).toBeGreaterThan(0)
      return
    case "ValidationFailure": {
      expect(result.id).toBe(message.attrs.id)
      // The failing kind is the first one any rule fails with, and exactly the rules failing
      // with that kind are listed, as written, in document order.
      const written = ruleTextsOf(message)
      const kindOf = (rule: RuleText) => {
        const alone = validateRules([rule], configuration)
        return alone._tag === "Valid" ? undefined : alone.kind
      }
      const rank = (kind: string | undefined) =>
        kind === undefined ? VALIDATION_KINDS.length : VALIDATION_KINDS.indexOf(kind as never)
      expect(Math.min(...written.map((rule) => rank(kindOf(rule))))).toBe(rank(result.kind))
      expect(result.rules.length).toBeGreaterThan(0)
      expect(result.rules).toEqual(written.filter((rule) => kindOf(rule) === result.kind))
      return
    }
    case "Valid": {
      const { request } = result
      expect(request.id).toBe(message.attrs.id)
      expect(request.rules.length).toBeGreaterThan(0)
      expect(request.rules.length).toBeLessThanOrEqual(configuration.maxRules)
      const printed = xml(
        "message",
        { xmlns: "jabber:client", id: request.id },
        serializeRequest({ perHop: request.perHop, rules: request.rules }),
      ).toString()
      expect(parseRequest(parseXml(printed), configuration)).toEqual(result)
    }
  }
}

/** The rule texts parseRequest reads: `<rule/>` children of the first `<amp/>`, as written. */
const ruleTextsOf = (message: Element): RuleText[] => {
  const amp = findAmpElement(message)
  return amp === undefined ? [] : childElements(amp, "rule", AMP_NS).map(readRuleText)
}

const checkRequest = (message: Element, configuration: AmpSupport): void =>
  expectDocumented(message, parseRequest(message, configuration), configuration)

/** parseReply gives the same answer for a tree and for its printed-then-parsed copy. */
const checkReply = (message: Element): void => {
  const reply = parseReply(message)
  if (reply !== undefined) {
    expect([
      "notify",
      "alert",
      "error-action",
      ...VALIDATION_KINDS,
      "service-unavailable",
    ]).toContain(reply.kind)
  }
  let reparsed: Element
  try {
    reparsed = parseXml(message.toString())
  } catch {
    return
  }
  expect(parseReply(reparsed)).toEqual(reply)
}

const textEdit = fc.oneof(
  fc.record({
    at: fc.nat(),
    remove: fc.integer({ min: 0, max: 30 }),
    insert: fc.string({ maxLength: 8 }),
  }),
  fc.record({
    at: fc.nat(),
    remove: fc.constant(0),
    insert: fc.constantFrom(
      " action='notify'",
      " condition='deliver'",
      " value='direct'",
      " value='2004-02-30T00:00:00Z'",
      " per-hop='yes'",
      " status='notify'",
      " xmlns='http://jabber.org/protocol/amp#errors'",
      " xmlns='urn:other'",
      "<rule action='drop' condition='expire-at' value='1970-01-01T00:00:00Z'/>",
      "<amp xmlns='http://jabber.org/protocol/amp'><rule/></amp>",
      "😀",
      "&amp;",
    ),
  }),
)

describe("XEP-0079 examples mutated as text", () => {
  it("parse to documented results, and replies are stable through print and parse", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...examples),
        fc.array(textEdit, { minLength: 1, maxLength: 5 }),
        support,
        (text, edits, configuration) => {
          const mutatedText = edits.reduce((current, edit) => {
            const at = edit.at % (current.length + 1)
            return current.slice(0, at) + edit.insert + current.slice(at + edit.remove)
          }, text)
          let tree: Element
          try {
            tree = parseXml(mutatedText)
          } catch {
            return
          }
          checkRequest(tree, configuration)
          checkReply(tree)
        },
      ),
      options(1500),
    )
  })
})

/** Edits of an element tree, applied at a random element of it. */
type TreeEdit =
  | { readonly kind: "remove-attribute"; readonly pick: number }
  | {
      readonly kind: "set-attribute"
      readonly pick: number
      readonly name: string
      readonly value: string
    }
  | { readonly kind: "duplicate-child"; readonly pick: number }
  | { readonly kind: "nest"; readonly pick: number; readonly depth: number }

const attributeName = fc.constantFrom(
  "xmlns",
  "id",
  "type",
  "action",
  "condition",
  "value",
  "per-hop",
  "status",
  "from",
  "to",
)
const attributeValue = fc.oneof(
  fc.constantFrom(
    AMP_NS,
    AMP_ERRORS_NS,
    "jabber:client",
    "urn:other",
    "",
    "notify",
    "deliver",
    "direct",
    "true",
    "2030-01-01T00:00:00Z",
  ),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.integer({ min: 10_000, max: 200_000 }).map((length) => "x".repeat(length)),
)
const treeEdit: fc.Arbitrary<TreeEdit> = fc.oneof(
  fc.record({ kind: fc.constant("remove-attribute"), pick: fc.nat() }),
  fc.record({
    kind: fc.constant("set-attribute"),
    pick: fc.nat(),
    name: attributeName,
    value: attributeValue,
  }),
  fc.record({ kind: fc.constant("duplicate-child"), pick: fc.nat() }),
  fc.record({
    kind: fc.constant("nest"),
    pick: fc.nat(),
    depth: fc.integer({ min: 1, max: 3000 }),
  }),
)

const elementsOf = (root: Element): Element[] => {
  const found: Element[] = []
  const stack = [root]
  while (stack.length > 0 && found.length < 10_000) {
    const element = stack.pop() as Element
    found.push(element)
    stack.push(...element.getChildElements())
  }
  return found
}

const applyTreeEdit = (root: Element, edit: TreeEdit): void => {
  const all = elementsOf(root)
  const target = all[edit.pick % all.length] as Element
  switch (edit.kind) {
    case "remove-attribute": {
      const names = Object.keys(target.attrs)
      const name = names[edit.pick % Math.max(1, names.length)]
      if (name !== undefined) delete target.attrs[name]
      return
    }
    case "set-attribute":
      target.attrs[edit.name] = edit.value
      return
    case "duplicate-child": {
      const children = target.getChildElements()
      const child = children[edit.pick % Math.max(1, children.length)]
      if (child === undefined) return
      // The copy is made by ltx, which serializes recursively: a child that an earlier "nest"
      // edit made thousands deep can overflow the stack here, in the harness, before the code
      // under test runs (CI 2026-12-08, seed 20261204, path 595); such an edit is skipped.
      let copy: Element
      try {
        copy = parseXml(child.toString())
      } catch (error) {
        if (error instanceof RangeError) return
        throw error
      }
      target.append(copy)
      return
    }
    case "nest": {
      // Wraps the target's children in `depth` nested elements (deep nesting inside <amp/>).
      let inner = xml("nested", {}, ...target.children)
      for (let level = 1; level < edit.depth; level++) inner = xml("nested", {}, inner)
      target.children = []
      target.append(inner)
    }
  }
}

describe("XEP-0079 examples mutated as trees", () => {
  it("parse to documented results whatever attributes, namespaces and nesting they get", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...messageExamples),
        fc.array(treeEdit, { minLength: 1, maxLength: 5 }),
        support,
        (text, edits, configuration) => {
          const tree = parseXml(text)
          for (const edit of edits) applyTreeEdit(tree, edit)
          checkRequest(tree, configuration)
          checkReply(tree)
        },
      ),
      options(600),
    )
  })
})

describe("decodeMessageState of corrupt rows", () => {
  const state: fc.Arbitrary<AmpMessageState> = fc
    .tuple(
      fc.array(
        fc.tuple(
          fc.constantFrom("alert", "drop", "error", "notify"),
          fc.constantFrom(
            ["deliver", "stored"],
            ["match-resource", "other"],
            ["expire-at", "2030-01-01T00:00:00Z"],
          ),
        ),
        { minLength: 1, maxLength: 8 },
      ),
      fc.constantFrom("new", "direct", "stored", "in-storage", "finished"),
    )
    .map(([triples, stage]) => {
      const validated = validateRules(
        triples.map(([action, [condition, value]]) => ({ action, condition, value })),
        FULL_SUPPORT,
      )
      if (validated._tag !== "Valid") throw new Error("bad generator")
      return {
        ...startMessage(validated.rules, {
          sessions: "none",
          wouldStoreOffline: true,
          wouldArchive: false,
        }),
        stage,
      } as AmpMessageState
    })

  it("never throws, and whatever it accepts reads back the same after re-encoding", () => {
    fc.assert(
      fc.property(state, fc.array(textEdit, { minLength: 1, maxLength: 4 }), (original, edits) => {
        const text = edits.reduce((current, edit) => {
          const at = edit.at % (current.length + 1)
          return current.slice(0, at) + edit.insert + current.slice(at + edit.remove)
        }, encodeMessageState(original))
        const decoded = decodeMessageState(text)
        const explained = decodeMessageStateResult(text)
        if (decoded === undefined) {
          // A refused row always says why (the server logs it).
          expect(explained).toMatchObject({ _tag: "Unreadable", reason: expect.any(String) })
          if (explained._tag === "Unreadable") expect(explained.reason.length).toBeGreaterThan(0)
          return
        }
        expect(explained).toEqual({ _tag: "Decoded", state: decoded })
        expect(decodeMessageState(encodeMessageState(decoded))).toEqual(decoded)
        const indexes = decoded.rules.map((rule) => rule.index)
        expect([...indexes].sort((left, right) => left - right)).toEqual(indexes)
        expect(new Set(indexes).size).toBe(indexes.length)
      }),
      options(2000),
    )
  })

  it("refuses truncated rows, huge rows and binary junk", () => {
    const text = encodeMessageState({
      ...startMessage([], {
        sessions: "addressed-resource",
        wouldStoreOffline: false,
        wouldArchive: true,
      }),
    })
    expect(decodeMessageState(text.slice(0, 4))).toBeUndefined()
    expect(
      decodeMessageState(`${text}|${"0 notify deliver direct|".repeat(100_000)}`),
    ).toBeUndefined()
    expect(decodeMessageState("\u0000\uFFFF\uD800amp1|||")).toBeUndefined()
  })

  it("says what is wrong with a refused row", () => {
    const reason = (text: string) => {
      const result = decodeMessageStateResult(text)
      return result._tag === "Unreadable" ? result.reason : "decoded"
    }
    expect(reason("amp0|new|n")).toBe('version "amp0", not amp1')
    expect(reason("amp1|new")).toBe("fewer than three fields")
    expect(reason("amp1|later|n")).toBe('unknown stage "later"')
    expect(reason("amp1|new|x")).toBe('bad flags "x"')
    expect(reason("amp1|new|n|0 notify deliver sometimes")).toBe(
      'rule "0 notify deliver sometimes" is not a valid AMP rule',
    )
    expect(reason("amp1|new|n|1 notify deliver direct|1 drop deliver stored")).toBe(
      "rule indexes are not increasing",
    )
    expect(reason("amp1|new|n|0 notify deliver direct")).toBe("decoded")
  })
})
