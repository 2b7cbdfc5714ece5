// One declaration per element (stanza-style): what `writeElement` writes, `readElement` and
// `isDeclared` read back, for every XEP-0079 element amp-core declares.
import {
  AMP,
  AMP_ERRORS_NS,
  AMP_NS,
  declaredChildren,
  FAILED_RULES,
  INVALID_RULES,
  isDeclared,
  parseXml,
  RULE,
  readElement,
  readRuleList,
  STREAM_FEATURE,
  UNSUPPORTED_ACTIONS,
  UNSUPPORTED_CONDITIONS,
  writeElement,
  writeRule,
} from "@xmpp-amp/amp-core"
import { describe, expect, it } from "vitest"

describe("element declarations", () => {
  it("write and read <amp/> attributes through the same declaration", () => {
    const fields = { status: "notify", from: "a@b/c", to: "d@e", perHop: "true" }
    const element = writeElement(AMP, fields)
    expect(element.toString()).toBe(
      '<amp xmlns="http://jabber.org/protocol/amp" status="notify" from="a@b/c" to="d@e" per-hop="true"/>',
    )
    expect(readElement(AMP, parseXml(element.toString()))).toEqual(fields)
    expect(isDeclared(AMP, element)).toBe(true)
  })

  it.each([
    [INVALID_RULES, AMP_NS],
    [UNSUPPORTED_ACTIONS, AMP_NS],
    [UNSUPPORTED_CONDITIONS, AMP_NS],
    [FAILED_RULES, AMP_ERRORS_NS],
  ])("writes the %o container with rules that inherit its namespace", (declaration, namespace) => {
    const rule = { action: "error", condition: "deliver", value: "stored" }
    const container = parseXml(writeElement(declaration, {}, [writeRule(rule)]).toString())
    expect(container.attrs.xmlns).toBe(namespace)
    expect(readRuleList(container)).toEqual([rule])
    expect(declaredChildren(container, { ...RULE, namespace })).toHaveLength(1)
  })

  it("declares the stream feature in the features namespace, distinct from the protocol <amp/>", () => {
    const feature = writeElement(STREAM_FEATURE, {})
    expect(isDeclared(STREAM_FEATURE, feature)).toBe(true)
    expect(isDeclared(AMP, feature)).toBe(false)
  })

  it("leaves absent attributes out when reading and writing", () => {
    const partial = { action: "notify" }
    expect(writeRule(partial).toString()).toBe('<rule action="notify"/>')
    expect(readElement(RULE, parseXml("<rule action='notify'/>"))).toEqual(partial)
  })
})
