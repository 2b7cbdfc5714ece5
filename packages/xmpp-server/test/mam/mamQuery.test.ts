// XEP-0313 query parsing and the storage policies, without a network: which messages the
// archive, offline storage and carbons take (XEP-0334 hints, XEP-0085 chat states), how
// preferences decide, how a query form and RSM set are read, and what stored XML parses
// back to (property test: any message built from text survives a store round trip).
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { carbonEligible } from "../../src/carbons/Carbons.js"
import { xml } from "../../src/index.js"
import { archivable, prefsAllow } from "../../src/mam/MamPolicy.js"
import { parseMamQuery } from "../../src/mam/MamQuery.js"
import { storableOffline } from "../../src/offline/OfflinePolicy.js"
import { parseElement } from "../../src/xml/parseXml.js"

const message = (type: string | undefined, ...children: Array<ReturnType<typeof xml>>) =>
  xml("message", { type, to: "bob@localhost" }, ...children)
const body = (text = "hi") => xml("body", {}, text)
const hint = (name: string) => xml(name, { xmlns: "urn:xmpp:hints" })
const composing = () => xml("composing", { xmlns: "http://jabber.org/protocol/chatstates" })

describe("what is kept", () => {
  it("offline storage keeps chat and normal messages, not chat states, no-store, errors or headlines", () => {
    expect(storableOffline(message("chat", body()))).toBe(true)
    expect(storableOffline(message(undefined, body()))).toBe(true)
    expect(storableOffline(message("chat", composing()))).toBe(false)
    expect(storableOffline(message("chat", body(), composing()))).toBe(true)
    expect(storableOffline(message("chat", body(), hint("no-store")))).toBe(false)
    expect(storableOffline(message("chat", composing(), hint("store")))).toBe(true)
    for (const type of ["error", "headline", "groupchat"])
      expect(storableOffline(message(type, body()))).toBe(false)
  })

  it("the archive keeps messages with a body, honouring hints, never MAM results or carbons", () => {
    expect(archivable(message("chat", body()))).toBe(true)
    expect(archivable(message("chat", composing()))).toBe(false)
    expect(archivable(message("chat", composing(), hint("store")))).toBe(true)
    expect(archivable(message("chat", body(), hint("no-permanent-store")))).toBe(false)
    expect(archivable(message("chat", body(), xml("result", { xmlns: "urn:xmpp:mam:2" })))).toBe(
      false,
    )
    expect(archivable(message("headline", body()))).toBe(false)
  })

  it("preferences: never beats always beats the default; roster asks the roster", () => {
    const prefs = { defaultMode: "roster" as const, always: ["a@x"], never: ["a@x", "n@x"] }
    expect(prefsAllow(prefs, "a@x", () => true)).toBe(false)
    expect(prefsAllow({ ...prefs, never: [] }, "a@x", () => false)).toBe(true)
    expect(prefsAllow(prefs, "c@x", () => true)).toBe(true)
    expect(prefsAllow(prefs, "c@x", () => false)).toBe(false)
    expect(prefsAllow({ ...prefs, defaultMode: "never" }, "c@x", () => true)).toBe(false)
    expect(prefsAllow({ ...prefs, defaultMode: "always" }, "c@x", () => false)).toBe(true)
  })

  it("carbons copy chat and normal-with-body messages unless private or no-copy", () => {
    expect(carbonEligible(message("chat", composing()))).toBe(true)
    expect(carbonEligible(message("normal", body()))).toBe(true)
    expect(carbonEligible(message("normal", composing()))).toBe(false)
    expect(carbonEligible(message("chat", body(), hint("no-copy")))).toBe(false)
    expect(
      carbonEligible(message("chat", body(), xml("private", { xmlns: "urn:xmpp:carbons:2" }))),
    ).toBe(false)
    expect(carbonEligible(message("error", body()))).toBe(false)
  })
})

const form = (...fields: Array<[string, string]>) =>
  xml(
    "x",
    { xmlns: "jabber:x:data", type: "submit" },
    fields.map(([name, value]) => xml("field", { var: name }, xml("value", {}, value))),
  )
const query = (...children: Array<ReturnType<typeof xml> | undefined>) =>
  xml("query", { xmlns: "urn:xmpp:mam:2" }, ...children)
const rsm = (...children: Array<ReturnType<typeof xml>>) =>
  xml("set", { xmlns: "http://jabber.org/protocol/rsm" }, ...children)

describe("query parsing", () => {
  it("reads with, start, end and RSM, with defaults", () => {
    expect(parseMamQuery(query())).toEqual({
      with: undefined,
      start: undefined,
      end: undefined,
      max: 50,
      after: undefined,
      before: undefined,
    })
    const parsed = parseMamQuery(
      query(
        form(
          ["FORM_TYPE", "urn:xmpp:mam:2"],
          ["with", "Juliet@Capulet.lit/Balcony"],
          ["start", "2010-06-07T00:00:00Z"],
          ["end", "2010-07-07T13:23:54Z"],
        ),
        rsm(xml("max", {}, "1000"), xml("before")),
      ),
    )
    expect(parsed).toEqual({
      with: { jid: "juliet@capulet.lit/Balcony", full: true },
      start: Date.parse("2010-06-07T00:00:00Z"),
      end: Date.parse("2010-07-07T13:23:54Z"),
      max: 250,
      after: undefined,
      before: "",
    })
  })

  it("refuses bad dates, bad max values and unknown fields", () => {
    expect(parseMamQuery(query(form(["start", "yesterday"])))).toMatchObject({
      condition: "bad-request",
    })
    expect(parseMamQuery(query(rsm(xml("max", {}, "-1"))))).toMatchObject({
      condition: "bad-request",
    })
    expect(parseMamQuery(query(form(["full-text-search", "x"])))).toMatchObject({
      condition: "feature-not-implemented",
    })
  })
})

describe("stored XML", () => {
  it("parses back to the same message, whatever the text", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (id, text) => {
        const original = message("chat", body(text))
        original.attrs.id = id
        const parsed = parseElement(original.toString())
        expect(parsed?.toString()).toBe(original.toString())
        expect(parsed?.getChildText("body")).toBe(text)
      }),
    )
  })

  it("returns undefined for text that is not one element", () => {
    expect(parseElement("<message><body></message>")).toBeUndefined()
    expect(parseElement("just text")).toBeUndefined()
  })
})
