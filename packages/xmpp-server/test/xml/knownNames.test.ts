// The tokenizer's shared strings (src/xml/KnownNames.ts): a known string is handed out only
// when the text at that place is exactly it, so the tokenizer reads the same as with a slice.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { knownText } from "../../src/xml/KnownNames.js"

const pieces = fc.constantFrom(
  "message",
  "messages",
  "to",
  "tox",
  "id",
  "ix",
  "notify",
  "http://jabber.org/protocol/amp",
  "http://jabber.org/protocol/ampx",
  "'",
  '"',
  " ",
  "<",
  "a",
  "é",
)

describe("knownText", () => {
  it("is either undefined or exactly the slice, anywhere in any text", () => {
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 8 }), fc.nat(), fc.nat(), (parts, a, b) => {
        const data = parts.join("")
        const start = Math.min(a, b) % (data.length + 1)
        const end = Math.min(data.length, start + (Math.max(a, b) % 40))
        const known = knownText(data, start, end)
        if (known !== undefined) expect(known).toBe(data.slice(start, end))
      }),
      { numRuns: 3000 },
    )
  })

  it("finds the usual names and values, and nothing for the others", () => {
    const tag = `<message to="b@example.com" type="chat"><amp xmlns="http://jabber.org/protocol/amp">`
    expect(knownText(tag, 1, 8)).toBe("message")
    expect(knownText(tag, 9, 11)).toBe("to")
    expect(knownText(tag, 13, 26)).toBeUndefined()
    expect(knownText(tag, 34, 38)).toBe("chat")
    expect(knownText(tag, 52, 82)).toBe("http://jabber.org/protocol/amp")
    expect(knownText("tox", 0, 3)).toBeUndefined()
  })
})
