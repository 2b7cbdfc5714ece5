// Regression tests for the stream parser bugs the fuzz tests found (src/stream/StreamParser.ts):
// deep nesting overflowed the stack when the stanza was serialised, characters XML forbids
// were passed on to recipients, the size limit counted UTF-16 code units instead of UTF-8
// bytes, and input outside a stanza (an unterminated tag) was buffered without limit.
import { describe, expect, it } from "vitest"
import { maxStanzaDepth, StreamParser } from "../../src/stream/StreamParser.js"

const header =
  "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"

/** The events of one parser fed `chunks`: `open`, each element serialised, `close`, `error …`. */
const run = (
  chunks: ReadonlyArray<string>,
  maxStanzaBytes = 10_000,
  framing: "stream" | "websocket" = "stream",
): Array<string> => {
  const events: Array<string> = []
  const parser = new StreamParser(
    {
      onOpen: () => events.push("open"),
      onElement: (element) => events.push(element.toString()),
      onClose: () => events.push("close"),
      onError: (condition) => events.push(`error ${condition}`),
    },
    framing,
    maxStanzaBytes,
  )
  for (const chunk of chunks) parser.write(chunk)
  return events
}

const nested = (depth: number): string =>
  `<message>${"<a>".repeat(depth - 1)}${"</a>".repeat(depth - 1)}</message>`

describe("deep nesting", () => {
  it("refuses a stanza nested deeper than the limit with policy-violation", () => {
    expect(run([header, nested(5000)], 100_000)).toEqual(["open", "error policy-violation"])
    expect(run([header, nested(maxStanzaDepth + 1)], 100_000)).toEqual([
      "open",
      "error policy-violation",
    ])
  })

  it("accepts a stanza exactly at the limit, and serialises it", () => {
    const events = run([header, nested(maxStanzaDepth)], 100_000)
    expect(events).toHaveLength(2)
    expect(events[1]).toContain("<a><a>")
  })
})

describe("characters XML 1.0 forbids", () => {
  it.each(["\u0000", "\u0001", "\u001F", "\u000B", "\uFFFE", "\uFFFF"])(
    "refuses %j in a stanza with not-well-formed",
    (character) => {
      expect(run([header, `<message><body>a${character}b</body></message>`])).toEqual([
        "open",
        "error not-well-formed",
      ])
    },
  )

  it("accepts tab, newline, carriage return and astral characters", () => {
    expect(run([header, "<message><body>\t\n\r 😀 \uFFFD</body></message>"])).toHaveLength(2)
  })
})

describe("the size limit counts UTF-8 bytes", () => {
  it("refuses a body of 4-byte characters whose UTF-8 size passes the limit", () => {
    // 3,000 emoji: 6,000 UTF-16 code units but 12,000 bytes on the wire.
    const body = "😀".repeat(3000)
    expect(run([header, `<message><body>${body}</body></message>`])).toEqual([
      "open",
      "error policy-violation",
    ])
    expect(run([header, `<message><body>${"中".repeat(4000)}</body></message>`])).toEqual([
      "open",
      "error policy-violation",
    ])
  })

  it("counts multi-byte attribute values too", () => {
    expect(run([header, `<message a='${"é".repeat(6000)}'/>`])).toEqual([
      "open",
      "error policy-violation",
    ])
    expect(run([header, `<message a='${"é".repeat(4000)}'/>`])).toHaveLength(2)
  })
})

describe("input buffered outside a complete element is bounded", () => {
  it.each([
    ["an unterminated attribute value", "<message a='"],
    ["an attribute name without =", "<message a"],
  ])("ends %s growing past the limit with policy-violation", (_, opening) => {
    const chunks = [header, opening, ...Array.from({ length: 30 }, () => "x".repeat(1000))]
    expect(run(chunks)).toEqual(["open", "error policy-violation"])
  })

  it("ends an attribute without quotes at once with not-well-formed", () => {
    const chunks = [header, "<message a=b", ...Array.from({ length: 30 }, () => "x".repeat(1000))]
    expect(run(chunks)).toEqual(["open", "error not-well-formed"])
  })

  it("counts what follows a stanza's end in the same chunk", () => {
    const tail = "x".repeat(11_000)
    expect(run([header, `<message/>${tail}`])).toEqual([
      "open",
      '<message xmlns="jabber:client"/>',
      "error policy-violation",
    ])
    expect(run([`${header}<message a='${tail}`])).toEqual(["open", "error policy-violation"])
  })

  it("also before the stream header", () => {
    const chunks = ["<stream:stream a='", ...Array.from({ length: 30 }, () => "x".repeat(1000))]
    expect(run(chunks)).toEqual(["error policy-violation"])
  })

  it("resets the count at each complete stanza (whitespace keepalives between stanzas are fine)", () => {
    const stanza = `<message><body>${"x".repeat(6000)}</body></message>`
    const events = run([header, stanza, " ".repeat(2000), stanza, " ".repeat(2000), stanza])
    expect(events).toHaveLength(4)
  })
})

describe("WebSocket messages of bare text", () => {
  const open = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>"

  it.each(["x", "hello <", "<message/>x"])("refuses %j at once with not-well-formed", (frame) => {
    expect(run([open, frame], 10_000, "websocket")).toEqual(["open", "error not-well-formed"])
  })

  it("accepts an element followed by whitespace, and whitespace alone", () => {
    expect(
      run([open, "<message xmlns='jabber:client'/>\n", " "], 10_000, "websocket"),
    ).toHaveLength(2)
  })
})

describe("XML that ltx's tokenizer let through", () => {
  it("refuses a stanza with a duplicate attribute instead of keeping the last value", () => {
    // Parsers disagree on which of two `to` wins; routing must never depend on that.
    expect(run([header, "<message to='a@localhost' to='b@localhost'/>"])).toEqual([
      "open",
      "error not-well-formed",
    ])
  })

  it("refuses an attribute without a value at once, not when the size limit is reached", () => {
    expect(run([header, "<a b/>"])).toEqual(["open", "error not-well-formed"])
  })

  it("refuses undeclared prefixes, and accepts prefixes declared in the stanza", () => {
    expect(run([header, "<message><x:y/></message>"])).toEqual(["open", "error not-well-formed"])
    expect(run([header, "<message xmlns:x='urn:x'><x:y/></message>"])).toEqual([
      "open",
      '<message xmlns:x="urn:x" xmlns="jabber:client"><x:y/></message>',
    ])
  })

  it("reads a CDATA section and an XML declaration split over chunks", () => {
    expect(
      run([
        "<?xml vers",
        "ion='1.0'?",
        ">",
        header.slice("<?xml version='1.0'?>".length),
        "<message><body><![CDA",
        "TA[a<b] ]",
        "]>c</body></message>",
      ]),
    ).toEqual(["open", '<message xmlns="jabber:client"><body>a&lt;b] c</body></message>'])
  })
})

describe("prefixes declared on the stream header", () => {
  it("are declared on each stanza that comes out, so it stands on its own", () => {
    const withPrefix = header.replace("version='1.0'>", "version='1.0' xmlns:x='urn:x'>")
    expect(run([withPrefix, "<message><x:y/></message>"])).toEqual([
      "open",
      '<message xmlns="jabber:client" xmlns:x="urn:x"><x:y/></message>',
    ])
  })
})
