// The strict XML tokenizer (src/xml/XmlTokenizer.ts): what it reads, what it refuses and with
// which stream error, and that how the input is chunked never changes the outcome.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { serialize, type XmlElement, xml } from "../../src/xml/Xml.js"
import { XmlSyntaxError, XmlTokenizer } from "../../src/xml/XmlTokenizer.js"
import { splitAt } from "../helpers/splitAt.js"

/** Everything the tokenizer reports for `chunks`, then `error <condition>` if it threw. */
const tokens = (chunks: ReadonlyArray<string>): Array<string> => {
  const events: Array<string> = []
  const tokenizer = new XmlTokenizer({
    onStartElement: (name, attrs) => events.push(`start ${name} ${JSON.stringify(attrs)}`),
    onEndElement: (name) => events.push(`end ${name}`),
    onText: (text) => events.push(`text ${JSON.stringify(text)}`),
  })
  try {
    for (const chunk of chunks) tokenizer.write(chunk)
  } catch (error) {
    if (!(error instanceof XmlSyntaxError)) throw error
    events.push(`error ${error.condition}`)
  }
  return events
}

/** Texts are reported whole or in pieces depending on chunking; join neighbouring ones. */
const merged = (events: ReadonlyArray<string>): Array<string> => {
  const out: Array<string> = []
  for (const event of events) {
    const last = out[out.length - 1]
    if (event.startsWith("text ") && last?.startsWith("text "))
      out[out.length - 1] =
        `text ${JSON.stringify(JSON.parse(last.slice(5)) + JSON.parse(event.slice(5)))}`
    else out.push(event)
  }
  return out
}

const lastOf = (input: string): string | undefined => tokens([input]).at(-1)

describe("what it reads", () => {
  it("reads tags, attributes and text, resolving references", () => {
    expect(
      tokens([
        `<?xml version='1.0'?><m to='a@b' x="1 &lt; 2 &amp; &#x1F600; &#233;">a &gt; b &quot;&apos;<e/></m>`,
      ]),
    ).toEqual([
      `start m {"to":"a@b","x":"1 < 2 & 😀 é"}`,
      `text "a > b \\"'"`,
      "start e {}",
      "end e",
      "end m",
    ])
  })

  it("accepts whitespace around = and before the end of tags", () => {
    expect(tokens([`<m a = "1"\n\tb='2' ><e /></m >`])).toEqual([
      `start m {"a":"1","b":"2"}`,
      "start e {}",
      "end e",
      "end m",
    ])
  })

  it("accepts > in attribute values and text, and quotes of the other kind", () => {
    expect(tokens([`<m a="x>'y'">1 > 0</m>`])).toEqual([
      `start m {"a":"x>'y'"}`,
      `text "1 > 0"`,
      "end m",
    ])
  })

  it("reads CDATA sections as text, without resolving references", () => {
    expect(tokens(["<m><![CDATA[a <b> &amp; ]] ]>]]></m>"])).toEqual([
      "start m {}",
      `text "a <b> &amp; ]] ]>"`,
      "end m",
    ])
  })

  it("turns literal tabs and line ends in attribute values into spaces, not referenced ones", () => {
    expect(tokens([`<m a="x\ty\r\nz" b="&#10;&#9;"/>`])).toEqual([
      `start m {"a":"x y  z","b":"\\n\\t"}`,
      "end m",
    ])
  })

  it("accepts the same local name under two namespaces, and prefixed beside unprefixed", () => {
    expect(lastOf("<m xmlns:a='urn:a' xmlns:b='urn:b' a:t='1' b:t='2' t='3'/>")).toBe("end m")
  })

  it("knows the xml prefix without a declaration, and prefixes declared on an ancestor", () => {
    expect(
      lastOf(
        "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><m xml:lang='en'><stream:x/></m>",
      ),
    ).toBe("end m")
  })
})

describe("what it refuses", () => {
  it.each([
    ["a duplicate attribute", `<m a='1' a='2'/>`],
    ["a duplicate attribute of the other quote", `<m id="1" to='x' id='1'/>`],
    ["attributes without whitespace between", `<m a='1'b='2'/>`],
    ["an attribute without a value", "<m a/>"],
    ["an attribute without quotes", "<m a=1/>"],
    ["an attribute without =", "<m a '1'/>"],
    ["< in an attribute value", `<m a='<'/>`],
    ["/ inside a tag", "<m / a='1'>"],
    ["< inside a tag", "<m <a>"],
    ["a bad element name", "<1m/>"],
    ["a bad attribute name", "<m 1a='x'/>"],
    ["junk in an end tag", "<m></m x>"],
    ["an undefined entity", "<m>&nbsp;</m>"],
    ["& without ;", "<m>a & b</m>"],
    ["a reference to NUL", "<m>&#0;</m>"],
    ["a reference to a surrogate", "<m>&#xD800;</m>"],
    ["a reference above U+10FFFF", "<m>&#x110000;</m>"],
    ["a reference to U+FFFE", "<m a='&#xFFFE;'/>"],
    ["]]> in text", "<m>a]]>b</m>"],
    ["an undeclared element prefix", "<m><x:a/></m>"],
    ["an undeclared attribute prefix", "<m x:a='1'/>"],
    ["a prefix used outside its declaring element", "<m><a xmlns:x='urn:x'/><x:b/></m>"],
    ["a prefix declared empty", "<m xmlns:x=''/>"],
    ["the xmlns prefix declared", "<m xmlns:xmlns='urn:x'/>"],
    ["the xml prefix bound elsewhere", "<m xmlns:xml='urn:x'/>"],
    ["the attribute __proto__", "<m __proto__='x'/>"],
    [
      "one attribute twice under two prefixes",
      "<m xmlns:a='urn:x' xmlns:b='urn:x' a:t='1' b:t='2'/>",
    ],
    [
      "one xml: attribute twice via a declared prefix",
      "<m xmlns:x='urn:x'><e xmlns:y='urn:x' x:l='1' y:l='2'/></m>",
    ],
  ])("%s: not-well-formed", (_, input) => {
    expect(lastOf(input)).toBe("error not-well-formed")
  })

  it.each([
    ["a comment", "<m><!-- x --></m>"],
    ["a DTD", "<!DOCTYPE m><m/>"],
    ["an entity declaration", "<m><!ENTITY x 'y'></m>"],
    ["a processing instruction", "<m><?php x?></m>"],
    ["an XML declaration after the root", "<m><?xml version='1.0'?></m>"],
    ["a PI named like the declaration", "<?xml-stylesheet href='a'?><m/>"],
  ])("%s: restricted-xml", (_, input) => {
    expect(lastOf(input)).toBe("error restricted-xml")
  })

  it("refuses at the first byte it can tell, not at the end of the construct", () => {
    expect(tokens(["<m>", "<!-"])).toEqual(["start m {}", "error restricted-xml"])
    expect(tokens(["<m>", "<?p"])).toEqual(["start m {}", "error restricted-xml"])
  })
})

const name = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,6}$/)
/** Text with XML's specials, line ends, a non-ASCII letter, an astral character and `]]>`. */
const text = fc
  .array(
    fc.constantFrom("a", "Z", " ", "&", "<", ">", '"', "'", "é", "😀", "]]>", "]", "&amp;", "\n"),
    { maxLength: 10 },
  )
  .map((parts) => parts.join(""))

const tree: fc.Arbitrary<XmlElement> = fc.letrec<{ element: XmlElement }>((of) => ({
  element: fc
    .record({
      name,
      attrs: fc.dictionary(name, text, { maxKeys: 4 }),
      children: fc.array(fc.oneof({ depthSize: "small" }, text, of("element")), {
        maxLength: 4,
      }),
    })
    .map(({ name, attrs, children }) => xml(name, attrs, ...children)),
})).element

/** The events a tree should give: attribute line ends as spaces (our writer keeps them raw). */
const expected = (element: XmlElement): Array<string> => {
  const attrs: Record<string, string> = {}
  for (const [key, value] of Object.entries(element.attrs))
    if (value !== undefined) attrs[key] = value.replace(/[\t\n\r]/g, " ")
  const events = [`start ${element.name} ${JSON.stringify(attrs)}`]
  for (const child of element.children)
    if (typeof child === "string") {
      if (child !== "") events.push(`text ${JSON.stringify(child)}`)
    } else events.push(...expected(child))
  events.push(`end ${element.name}`)
  return merged(events)
}

describe("properties", () => {
  it("reads back any tree the server's serializer writes, however it is chunked", () => {
    fc.assert(
      fc.property(tree, fc.array(fc.nat(), { maxLength: 8 }), (element, cuts) => {
        const written = serialize(element)
        expect(merged(tokens(splitAt(written, cuts)))).toEqual(expected(element))
      }),
      { numRuns: 1500 },
    )
  })

  it("gives the same events, or the same error, one character at a time as in one piece", () => {
    const piece = fc.constantFrom(
      "<m a='1'>",
      "</m>",
      "<e/>",
      "<x:e xmlns:x='u'/>",
      "<!-- c -->",
      "<![CDATA[ <a]] ]]>",
      "<?xml version='1.0'?>",
      "text &amp; &#x41;",
      "&bad;",
      "<m a='1' a='2'>",
      "<m a='>'>",
      "]]>",
      '<m a="\'"/>',
      " ",
    )
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const input = pieces.join("")
        expect(merged(tokens([...input]))).toEqual(merged(tokens([input])))
      }),
      { numRuns: 1500 },
    )
  })

  it("throws nothing but XmlSyntaxError, and reports only valid names, whatever the input", () => {
    const markup = fc.constantFrom("<", ">", "/", "=", "'", '"', "&", ";", "!", "?", ":", "a", " ")
    const chunk = fc.oneof(
      fc.string({ unit: "binary", maxLength: 40 }),
      fc.array(markup, { maxLength: 40 }).map((parts) => parts.join("")),
    )
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 6 }), (chunks) => {
        for (const event of tokens(chunks)) {
          const [kind, name = ""] = event.split(" ", 2)
          if (kind === "start" || kind === "end") expect(name).toMatch(/^[A-Za-z_][\w.:-]*$/)
          if (kind === "start") expect(event).not.toMatch(/"[^"]*<[^"]*":/)
        }
      }),
      { numRuns: 3000 },
    )
  })
})
