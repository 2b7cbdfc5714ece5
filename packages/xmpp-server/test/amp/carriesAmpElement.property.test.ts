// `carriesAmpElement` (src/amp/AmpModule.ts) looks for the `<amp/>` child with its own loop
// instead of @xmpp/xml's `getChild`, which makes an array per message: it must answer what
// `getChild("amp", NS_AMP)` answers for any message, prefixed names and inherited
// namespaces included.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { carriesAmpElement } from "../../src/amp/AmpModule.js"
import { parseElement } from "../../src/xml/parseXml.js"

const NS_AMP = "http://jabber.org/protocol/amp"

const child = fc.oneof(
  fc.constant("<amp xmlns='http://jabber.org/protocol/amp'><rule/></amp>"),
  fc.constant("<amp/>"),
  fc.constant("<amp xmlns='urn:other'/>"),
  fc.constant("<a:amp xmlns:a='http://jabber.org/protocol/amp'/>"),
  fc.constant("<a:amp xmlns:a='urn:other'/>"),
  fc.constant("<ampx xmlns='http://jabber.org/protocol/amp'/>"),
  fc.constant("<body>amp</body>"),
  fc.constant("text &amp; more"),
)

const message = fc
  .record({
    name: fc.constantFrom("message", "iq", "presence"),
    type: fc.constantFrom("", " type='error'", " type='chat'"),
    xmlns: fc.constantFrom(
      " xmlns='jabber:client'",
      " xmlns='http://jabber.org/protocol/amp'",
      " xmlns:a='http://jabber.org/protocol/amp'",
    ),
    children: fc.array(child, { maxLength: 4 }),
  })
  .map(({ name, type, xmlns, children }) => {
    const text = `<${name}${xmlns}${type}>${children.join("")}</${name}>`
    const parsed = parseElement(text)
    if (parsed === undefined) throw new Error(`not parsed: ${text}`)
    return parsed
  })

describe("carriesAmpElement", () => {
  it("answers what getChild('amp', NS_AMP) answers, for a message that is not an error", () => {
    fc.assert(
      fc.property(message, (stanza) => {
        const expected =
          stanza.name === "message" &&
          stanza.attrs.type !== "error" &&
          stanza.getChild("amp", NS_AMP) !== undefined
        expect(carriesAmpElement(stanza)).toBe(expected)
      }),
      { numRuns: 1000 },
    )
  })
})
