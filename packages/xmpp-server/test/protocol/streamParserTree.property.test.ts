// The trees the stream parser builds (src/stream/StreamParser.ts, which sizes each children
// array as it goes instead of ltx's `append`): for any stanza, cut into chunks anywhere, the
// parsed element writes back exactly as the tree it was written from (with the jabber:client
// namespace the stream gives it), every child points at its parent, and the children arrays
// take more children later (modules append to parsed stanzas) with the same result as ltx.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { StreamParser } from "../../src/stream/StreamParser.js"
import { serialize, type XmlElement, xml } from "../../src/xml/Xml.js"
import { splitAt } from "../helpers/splitAt.js"

const header =
  "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"

const name = fc.stringMatching(/^[a-z][a-z0-9_-]{0,6}$/)
const text = fc
  .array(fc.constantFrom("a", "Z", "0", " ", "&", "<", ">", '"', "é", "😀"), {
    minLength: 1,
    maxLength: 8,
  })
  .map((parts) => parts.join(""))

const child: fc.Arbitrary<XmlElement> = fc.letrec<{ element: XmlElement }>((of) => ({
  element: fc
    .record({
      name,
      attrs: fc.dictionary(name, text, { maxKeys: 3 }),
      // No two texts in a row: the parser would read them back as one text node.
      children: fc
        .array(fc.oneof({ depthSize: "small" }, text, of("element")), { maxLength: 4 })
        .map((list) =>
          list.filter(
            (item, index) => typeof item !== "string" || typeof list[index - 1] !== "string",
          ),
        ),
    })
    .map(({ name, attrs, children }) => xml(name, attrs, ...children)),
})).element

const stanza = fc
  .record({
    kind: fc.constantFrom("message", "iq", "presence"),
    id: text,
    children: fc.array(child, { maxLength: 4 }),
  })
  .map(({ kind, id, children }) => xml(kind, { xmlns: "jabber:client", id }, ...children))

const parse = (chunks: ReadonlyArray<string>): XmlElement[] => {
  const elements: XmlElement[] = []
  const parser = new StreamParser(
    {
      onOpen: () => undefined,
      onElement: (element) => elements.push(element),
      onClose: () => undefined,
      onError: (condition, reason) => {
        throw new Error(`${condition}: ${reason}`)
      },
    },
    "stream",
    1_000_000,
  )
  for (const chunk of chunks) parser.write(chunk)
  return elements
}

const linked = (element: XmlElement): boolean =>
  element.children.every(
    (item) => typeof item === "string" || (item.parent === element && linked(item)),
  )

describe("the stream parser's trees", () => {
  it("write back exactly as written, linked to their parents, whatever the chunks", () => {
    fc.assert(
      fc.property(stanza, fc.array(fc.nat(), { maxLength: 6 }), (written, cuts) => {
        const text = serialize(written)
        const [read] = parse(splitAt(`${header}${text}`, cuts))
        expect(read).toBeDefined()
        if (read === undefined) return
        expect(serialize(read)).toBe(text)
        expect(read.toString()).toBe(text)
        expect(linked(read)).toBe(true)
        // More children later, as modules add them (a <delay/>, a stanza-id): as on ltx's tree.
        const added = xml("delay", { xmlns: "urn:xmpp:delay" })
        read.append(added, "tail")
        written.append(xml("delay", { xmlns: "urn:xmpp:delay" }), "tail")
        for (const element of read.children) if (typeof element === "object") element.append("x")
        for (const element of written.children) if (typeof element === "object") element.append("x")
        expect(serialize(read)).toBe(serialize(written))
        expect(linked(read)).toBe(true)
      }),
      { numRuns: 1500 },
    )
  })
})
