// SASLprep (RFC 4013 §3 examples and each step of §2) and the localpart check for usernames.
import { describe, expect, it } from "vitest"
import { normalizeUsername, SaslPrepError, saslPrep } from "../../src/auth/credentials.js"

describe("saslPrep", () => {
  it.each([
    ["I\u00ADX", "IX"], // soft hyphen mapped to nothing
    ["user", "user"],
    ["USER", "USER"], // case preserved
    ["\u00AA", "a"], // NFKC
    ["\u2168", "IX"], // NFKC
    ["a\u00A0b", "a b"], // non-ASCII space mapped to SPACE
    ["a\u200Bb", "a b"], // zero-width space is a C.1.2 space
    ["\uFEFFpass", "pass"], // byte order mark mapped to nothing
    ["\u05D0\u05D1", "\u05D0\u05D1"], // all right-to-left
    ["\u0627\u0661\u0628", "\u0627\u0661\u0628"], // RandALCat first and last, digits inside
  ])("maps %j to %j (RFC 4013 §3)", (input, output) => {
    expect(saslPrep(input)).toBe(output)
  })

  it.each([
    ["\u0007", "prohibited"], // ASCII control (RFC 4013 §3 example)
    ["a\u0085b", "prohibited"], // non-ASCII control
    ["\uE000", "prohibited"], // private use
    ["\uFFFF", "prohibited"], // non-character
    ["\uD800", "prohibited"], // lone surrogate
    ["\u200E", "prohibited"], // LRM changes display properties
    ["\u{E0041}", "prohibited"], // tag character
    ["\u{10FFFD}", "prohibited"], // private use plane 16
    ["\u0378", "prohibited"], // unassigned
    ["\u0627\u0031", "bidi"], // RandALCat must also end the string (RFC 4013 §3 example)
    ["\u05D0a\u05D1", "bidi"], // mixes LCat and RandALCat
  ])("rejects %j (%s)", (input, reason) => {
    let caught: unknown
    try {
      saslPrep(input)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(SaslPrepError)
    expect((caught as SaslPrepError).reason).toBe(reason)
  })
})

describe("normalizeUsername", () => {
  it.each([
    ["Juliet", "juliet"],
    ["ROMEO.montague", "romeo.montague"],
    ["ünïcødé", "ünïcødé"],
    ["\uFF2A\uFF35\uFF2C", "jul"], // fullwidth letters folded by NFKC
    ["a".repeat(1023), "a".repeat(1023)],
  ])("normalises %j to %j", (raw, normalized) => {
    expect(normalizeUsername(raw)).toBe(normalized)
  })

  it.each([
    "",
    "a b",
    "a@b",
    "a/b",
    "a:b",
    'a"b',
    "a&b",
    "a'b",
    "a<b",
    "a>b",
    "tab\t",
    "nul\u0000",
    "zwj\u200D",
    "a".repeat(1024),
    "é".repeat(512),
  ])("rejects %j", (raw) => {
    expect(normalizeUsername(raw)).toBeUndefined()
  })
})
