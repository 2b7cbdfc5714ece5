// `serialize` (src/xml/Xml.ts) writes exactly what @xmpp/xml's `toString()` writes, for any
// tree: names, attribute values and text with every special character, empty elements, mixed
// content, numbers where strings are expected, and attributes left undefined.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { parseElement } from "../../src/xml/parseXml.js"
import { serialize, type XmlElement, xml } from "../../src/xml/Xml.js"

const name = fc.stringMatching(/^[a-z][a-z0-9:_-]{0,8}$/)
/** Text with the five XML specials, a non-ASCII letter and an astral character mixed in. */
const text = fc
  .array(fc.constantFrom("a", "Z", "0", " ", "&", "<", ">", '"', "'", "é", "😀", "&amp;"), {
    maxLength: 12,
  })
  .map((parts) => parts.join(""))

const tree: fc.Arbitrary<XmlElement> = fc.letrec<{ element: XmlElement }>((of) => ({
  element: fc
    .record({
      name,
      attrs: fc.dictionary(name, fc.oneof(text, fc.constant(undefined)), { maxKeys: 4 }),
      children: fc.array(fc.oneof({ depthSize: "small" }, text, of("element")), {
        maxLength: 4,
      }),
    })
    .map(({ name, attrs, children }) => xml(name, attrs, ...children)),
})).element

describe("serialize", () => {
  it("writes what toString writes, for any tree", () => {
    fc.assert(
      fc.property(tree, (element) => {
        expect(serialize(element)).toBe(element.toString())
      }),
      { numRuns: 2000 },
    )
  })

  it("reads back to the same tree", () => {
    fc.assert(
      fc.property(tree, (element) => {
        const read = parseElement(serialize(element))
        expect(read).toBeDefined()
        if (read !== undefined) expect(serialize(read)).toBe(serialize(element))
      }),
      { numRuns: 500 },
    )
  })

  it("writes number attribute values and children as ltx does", () => {
    const element = xml("iq", { id: 7 as unknown as string })
    element.children.push(42 as unknown as string)
    expect(serialize(element)).toBe('<iq id="7">42</iq>')
    expect(serialize(element)).toBe(element.toString())
  })

  it("escapes only what needs it", () => {
    const element = xml("m", { a: `x"&'<>y`, b: "plain" }, "1 < 2 & 3 > 2 \"q\" 'a'")
    expect(serialize(element)).toBe(
      `<m a="x&quot;&amp;&apos;&lt;&gt;y" b="plain">1 &lt; 2 &amp; 3 &gt; 2 "q" 'a'</m>`,
    )
  })
})
