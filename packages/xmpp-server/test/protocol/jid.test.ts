// JIDs (RFC 7622) as the server parses them at the edge, including the cache of recent answers:
// a cached answer must be the same as a fresh one, for valid and invalid JIDs alike.
import fc from "fast-check"
import { expect, it } from "vitest"
import { bareOf, isValidResource, parseJid } from "../../src/jid/Jid.js"

it("normalises the localpart and domain, keeps the resource as written", () => {
  expect(parseJid("Juliet@Capulet.LIT./Balcony")).toEqual({
    local: "juliet",
    domain: "capulet.lit",
    resource: "Balcony",
    bare: "juliet@capulet.lit",
    full: "juliet@capulet.lit/Balcony",
  })
  expect(parseJid("capulet.lit")?.full).toBe("capulet.lit")
  expect(bareOf("juliet@capulet.lit/balcony")).toBe("juliet@capulet.lit")
})

it("refuses empty, forbidden and over-long parts (RFC 7622 §3)", () => {
  for (const text of ["", "@capulet.lit", "juliet@", "ju liet@capulet.lit", "juliet@x/"])
    expect(parseJid(text), text).toBeUndefined()
  expect(parseJid(`${"a".repeat(1023)}@capulet.lit`)?.local).toHaveLength(1023)
  expect(parseJid(`${"a".repeat(1024)}@capulet.lit`)).toBeUndefined()
  // 342 three-byte characters are 1026 bytes, though only 342 UTF-16 units.
  expect(parseJid(`${"€".repeat(341)}@capulet.lit`)).toBeDefined()
  expect(parseJid(`${"€".repeat(342)}@capulet.lit`)).toBeUndefined()
  expect(isValidResource("€".repeat(342))).toBe(false)
  expect(isValidResource("tab\u0007")).toBe(false)
})

it("answers the same for a JID seen before as for a fresh one, also past the cache's size", () => {
  const part = fc.string({ unit: "grapheme", maxLength: 12 })
  fc.assert(
    fc.property(fc.array(fc.tuple(part, part, fc.option(part)), { maxLength: 40 }), (parts) => {
      const texts = parts.map(
        ([local, domain, resource]) =>
          `${local}@${domain}${resource === null ? "" : `/${resource}`}`,
      )
      const first = texts.map((text) => parseJid(text))
      // Push the first answers out of the cache, then ask again.
      for (let index = 0; index < 5000; index++) parseJid(`filler${index}@localhost`)
      expect(texts.map((text) => parseJid(text))).toEqual(first)
      expect(texts.map((text) => parseJid(text))).toEqual(first)
    }),
    { numRuns: 30 },
  )
})
