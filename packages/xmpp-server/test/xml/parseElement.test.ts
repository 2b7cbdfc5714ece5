// parseElement (src/xml/parseXml.ts): one element from text the server wrote, read with the
// streams' strict tokenizer, and text that tokenizer refuses still read as before, so nothing
// stored becomes unreadable; text without a complete element is refused.
import { describe, expect, it } from "vitest"
import { parseElement } from "../../src/xml/parseXml.js"
import { serialize } from "../../src/xml/Xml.js"

describe("parseElement", () => {
  it("reads a stanza as written, with its namespaces, entities and nested children", () => {
    const text =
      '<message xmlns="jabber:client" to="b@localhost/r" type="chat" id="1-2" xml:lang="en"><body>1 &lt; 2 &amp; &quot;é😀&quot;</body><amp xmlns="http://jabber.org/protocol/amp"><rule condition="deliver" action="notify" value="direct"/></amp></message>'
    const element = parseElement(text)
    expect(element?.name).toBe("message")
    expect(element?.parent).toBeNull()
    expect(element?.getChildText("body")).toBe('1 < 2 & "é😀"')
    expect(
      element?.getChild("amp", "http://jabber.org/protocol/amp")?.getChild("rule")?.attrs.action,
    ).toBe("notify")
    expect(element === undefined ? "" : serialize(element)).toBe(
      text.replace("&quot;é😀&quot;", '"é😀"'),
    )
  })

  it("still reads text the strict tokenizer refuses (a comment, an undeclared prefix)", () => {
    expect(
      parseElement("<message><!-- old --><body>hi</body></message>")?.getChildText("body"),
    ).toBe("hi")
    expect(parseElement('<message><x:y a="1"/></message>')?.children).toHaveLength(1)
  })

  it("refuses what holds no complete element", () => {
    expect(parseElement("<message><body>hi</body>")).toBeUndefined()
    expect(parseElement("just text")).toBeUndefined()
    expect(parseElement("")).toBeUndefined()
  })

  it("refuses end tags that close another element than the open one", () => {
    expect(parseElement("<message></body>")).toBeUndefined()
    expect(parseElement("<message><body/></iq>")).toBeUndefined()
    expect(parseElement("<message><body></message></body>")).toBeUndefined()
  })
})
