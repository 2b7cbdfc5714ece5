// Regression tests for what fuzzing the AMP parsers found (test/fuzz.test.ts): namespace
// lookups recursed once per ancestor, so a message inside a few thousand ancestors made
// parseRequest and parseReply throw RangeError instead of answering.
import xml, { type Element } from "@xmpp/xml"
import {
  AMP_NS,
  FULL_SUPPORT,
  namespaceInScope,
  namespaceOfElement,
  parseReply,
  parseRequest,
  parseXml,
} from "@xmpp-amp/amp-core"
import { describe, expect, it } from "vitest"
import { exampleText } from "./support/xml.js"

describe("deeply nested trees", () => {
  it("reads a request inside 20,000 ancestors and beside 10,000 other children", () => {
    const message = parseXml(exampleText(5))
    let outer = message
    for (let level = 0; level < 20_000; level++) outer = xml("wrapper", {}, outer)
    const amp = message.getChildElements().find((child) => child.is("amp", AMP_NS)) as Element
    for (let count = 0; count < 10_000; count++) amp.append(xml("other", { xmlns: "urn:other" }))
    expect(parseRequest(message, FULL_SUPPORT)._tag).toBe("Valid")
    expect(parseReply(message)).toBeUndefined()
  })

  it("looks namespaces up like getNS: own declaration, prefix, then ancestors; '' undeclares", () => {
    const root = parseXml("<a xmlns='urn:a' xmlns:p='urn:p'><b><p:c/><d xmlns=''/></b></a>")
    const b = root.getChild("b") as Element
    const [c, d] = b.getChildElements() as [Element, Element]
    expect(namespaceOfElement(b)).toBe("urn:a")
    expect(namespaceOfElement(c)).toBe("urn:p")
    expect(namespaceInScope(c)).toBe("urn:a")
    expect(namespaceInScope(b, "p")).toBe("urn:p")
    expect(namespaceInScope(b, "q")).toBeUndefined()
    expect(namespaceOfElement(d)).toBe("urn:a")
  })
})
