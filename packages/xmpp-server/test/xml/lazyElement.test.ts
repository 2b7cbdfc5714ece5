// lazyElement (src/xml/LazyElement.ts): a stanza from another cluster node is held by its text
// and parsed only when read; reading, changing and serialising it behave as on a parsed element.
import { describe, expect, it } from "vitest"
import { lazyElement, UnparsableStanzaError } from "../../src/xml/LazyElement.js"
import { serialize, XmlElementClass, xml } from "../../src/xml/Xml.js"

const text =
  '<message xmlns="jabber:client" to="b@localhost/r" from="a@localhost/s" type="chat" id="7"><body>hi &amp; bye</body></message>'

describe("lazyElement", () => {
  it("parses nothing until read: text that is not an element fails only when read", () => {
    const broken = lazyElement("<message><body>")
    const held = new Map([[broken, "kept by identity"]])
    expect(held.get(broken)).toBe("kept by identity")
    expect(() => broken.name).toThrow(UnparsableStanzaError)
  })

  it("reads, serialises and answers instanceof as the parsed element", () => {
    const stanza = lazyElement(text)
    expect(stanza.name).toBe("message")
    expect(stanza.attrs.type).toBe("chat")
    expect(stanza.getChildText("body")).toBe("hi & bye")
    expect(stanza.is("message", "jabber:client")).toBe(true)
    expect(stanza instanceof XmlElementClass).toBe(true)
    expect(serialize(stanza)).toBe(text)
  })

  it("takes changes: a resumption's <delay/>, a changed attribute, a parent", () => {
    const stanza = lazyElement(text)
    stanza.attrs.id = "8"
    stanza.append(xml("delay", { xmlns: "urn:xmpp:delay", stamp: "2026-12-07T00:00:00Z" }))
    stanza.parent = null
    expect(serialize(stanza)).toBe(
      text
        .replace('id="7"', 'id="8"')
        .replace(
          "</message>",
          '<delay xmlns="urn:xmpp:delay" stamp="2026-12-07T00:00:00Z"/></message>',
        ),
    )
    expect(Object.keys(stanza)).toEqual(expect.arrayContaining(["name", "attrs", "children"]))
  })
})
