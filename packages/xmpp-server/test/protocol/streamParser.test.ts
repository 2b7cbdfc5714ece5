// The stream parser (src/stream/StreamParser.ts): the same stanzas whatever the TCP chunk
// boundaries, WebSocket framing rules, and the size limit counted across chunks.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { StreamParser } from "../../src/stream/StreamParser.js"
import { splitAt } from "../helpers/splitAt.js"

const header =
  "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"
const stanzas = [
  "<message to='bob@localhost' id='1'><body>hi &amp; &lt;bye&gt; &#x1F600;</body></message>",
  "<presence><status>away</status><priority>5</priority></presence>",
  "<iq type='get' id='2'><ping xmlns='urn:xmpp:ping'/></iq>",
  "<message to='x@localhost'><body><![CDATA[<not markup>]]></body></message>",
]

const run = (
  chunks: ReadonlyArray<string>,
  framing: "stream" | "websocket" = "stream",
  max = 10_000,
) => {
  const events: Array<string> = []
  const parser = new StreamParser(
    {
      onOpen: (name, attrs) => events.push(`open ${name} ${attrs.to ?? ""}`),
      onElement: (element) => events.push(element.toString()),
      onClose: () => events.push("close"),
      onError: (condition) => events.push(`error ${condition}`),
    },
    framing,
    max,
  )
  for (const chunk of chunks) parser.write(chunk)
  return events
}

describe("StreamParser", () => {
  const whole = `${header}${stanzas.join("")}</stream:stream>`
  const expected = run([whole])

  it("reports the header, each stanza with jabber:client, and the close", () => {
    expect(expected[0]).toBe("open stream:stream localhost")
    expect(expected).toHaveLength(stanzas.length + 2)
    expect(expected[1]).toContain('xmlns="jabber:client"')
    expect(expected[1]).toContain("hi &amp; &lt;bye&gt; 😀")
    expect(expected[4]).toContain("&lt;not markup&gt;")
    expect(expected.at(-1)).toBe("close")
  })

  it("gives the same events whatever the chunk boundaries", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (cuts) => {
        expect(run(splitAt(whole, cuts))).toEqual(expected)
      }),
      { numRuns: 300 },
    )
  })

  it("refuses a DTD even when `<!` is split across chunks", () => {
    expect(run([header, "<", "!DOCTYPE x>"])).toEqual([
      "open stream:stream localhost",
      "error restricted-xml",
    ])
  })

  it("counts a stanza's size across chunks", () => {
    const chunks = [
      header,
      "<message><body>",
      ..."x"
        .repeat(30)
        .split("")
        .map(() => "y".repeat(500)),
    ]
    expect(run(chunks).at(-1)).toBe("error policy-violation")
    expect(run([header, `<message><body>${"y".repeat(9000)}</body></message>`])).toHaveLength(2)
  })

  it("takes RFC 7395 frames: <open/>, one element per message, <close/>", () => {
    const events = run(
      [
        "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>",
        "<message xmlns='jabber:client' to='a@localhost'><body>x</body></message>",
        "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>",
      ],
      "websocket",
    )
    expect(events).toEqual([
      "open open localhost",
      '<message xmlns="jabber:client" to="a@localhost"><body>x</body></message>',
      "close",
    ])
  })

  it("refuses a WebSocket message that is not exactly one whole element", () => {
    expect(
      run(["<message xmlns='jabber:client'><body>", "x</body></message>"], "websocket"),
    ).toEqual(["error not-well-formed"])
  })
})
