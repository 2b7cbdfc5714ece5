// SASLprep (RFC 4013), the stringprep profile for user names and passwords, and the
// localpart check used for account names (RFC 7622 §3.3, with case folding like nodeprep).
// Tables are those of RFC 3454 (appendix B.1, C.1.2 – C.9, D.1); unassigned code points are
// judged by the Unicode version of the running engine, not Unicode 3.2.

/** C.1.2: non-ASCII space characters, mapped to SPACE (RFC 4013 §2.1). */
const nonAsciiSpace = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/gu

/** B.1: characters commonly mapped to nothing (RFC 4013 §2.1). */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: RFC 3454 B.1 code points, each matched alone
const mappedToNothing = /[\u00AD\u034F\u1806\u180B-\u180D\u200B-\u200D\u2060\uFE00-\uFE0F\uFEFF]/gu

/** C.1.2, C.2.1, C.2.2, C.3 – C.9 and unassigned code points (RFC 4013 §2.3, §2.5). */
const prohibited = new RegExp(
  [
    "[\\u00A0\\u1680\\u2000-\\u200B\\u202F\\u205F\\u3000]", // C.1.2
    "[\\u0000-\\u001F\\u007F]", // C.2.1
    "[\\u0080-\\u009F\\u06DD\\u070F\\u180E\\u200C\\u200D\\u2028\\u2029\\u2060-\\u2063\\u206A-\\u206F\\uFEFF\\uFFF9-\\uFFFC\\u{1D173}-\\u{1D17A}]", // C.2.2
    "[\\uE000-\\uF8FF\\u{F0000}-\\u{FFFFD}\\u{100000}-\\u{10FFFD}]", // C.3
    "[\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]|\\p{Noncharacter_Code_Point}", // C.4
    "\\p{Cs}", // C.5 (lone surrogates)
    "[\\uFFF9-\\uFFFD]", // C.6
    "[\\u2FF0-\\u2FFB]", // C.7
    "[\\u0340\\u0341\\u200E\\u200F\\u202A-\\u202E\\u206A-\\u206F]", // C.8
    "[\\u{E0001}\\u{E0020}-\\u{E007F}]", // C.9
    "\\p{Cn}", // A.1 (unassigned)
  ].join("|"),
  "u",
)

/** D.1: characters with bidirectional property R or AL. */
const randAlCat =
  /[\u05BE\u05C0\u05C3\u05D0-\u05EA\u05F0-\u05F4\u061B\u061F\u0621-\u063A\u0640-\u064A\u066D-\u066F\u0671-\u06D5\u06DD\u06E5\u06E6\u06FA-\u06FE\u0700-\u070D\u0710\u0712-\u072C\u0780-\u07A5\u07B1\u200F\uFB1D\uFB1F-\uFB28\uFB2A-\uFB36\uFB38-\uFB3C\uFB3E\uFB40\uFB41\uFB43\uFB44\uFB46-\uFBB1\uFBD3-\uFD3D\uFD50-\uFD8F\uFD92-\uFDC7\uFDF0-\uFDFC\uFE70-\uFE74\uFE76-\uFEFC]/u

/**
 * D.2 (bidirectional property L), approximated: letters and spacing marks outside the
 * right-to-left scripts. Exact for every script a user name is likely to use.
 */
const lCat =
  /(?![\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}])[\p{L}\p{Mc}]/u

/** Thrown by `saslPrep` when a string has a prohibited character or breaks the bidi rule. */
export class SaslPrepError extends Error {
  readonly _tag = "SaslPrepError"
  constructor(readonly reason: "prohibited" | "bidi") {
    super(
      reason === "prohibited"
        ? "the string contains a character SASLprep prohibits"
        : "the string mixes left-to-right and right-to-left text",
    )
  }
}

/**
 * Prepares a user name or password per RFC 4013 (stored-string rules: unassigned code points
 * are prohibited). Throws `SaslPrepError`. Example: `saslPrep("I\u00ADX") === "IX"`.
 */
export const saslPrep = (input: string): string => {
  const mapped = input.replace(nonAsciiSpace, " ").replace(mappedToNothing, "")
  const normalized = mapped.normalize("NFKC")
  if (prohibited.test(normalized)) throw new SaslPrepError("prohibited")
  if (randAlCat.test(normalized)) {
    const characters = Array.from(normalized)
    const first = characters[0] ?? ""
    const last = characters[characters.length - 1] ?? ""
    if (lCat.test(normalized) || !randAlCat.test(first) || !randAlCat.test(last)) {
      throw new SaslPrepError("bidi")
    }
  }
  return normalized
}

/** RFC 7622 §3.3.1: characters a localpart must not contain, plus spaces and controls. */
const forbiddenInLocalpart = /[\s"&'/:<>@\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}]/u

/**
 * Normalises the localpart of an account (NFKC, lower case) and checks it: 1 – 1023 bytes of
 * UTF-8 without `"&'/:<>@`, spaces or control characters. Returns undefined when invalid.
 * Example: `normalizeUsername("Juliet") === "juliet"`, `normalizeUsername("a b") === undefined`.
 */
export const normalizeUsername = (raw: string): string | undefined => {
  const normalized = raw.normalize("NFKC").toLowerCase()
  const bytes = Buffer.byteLength(normalized, "utf8")
  if (bytes === 0 || bytes > 1023) return undefined
  if (forbiddenInLocalpart.test(normalized)) return undefined
  return normalized
}
