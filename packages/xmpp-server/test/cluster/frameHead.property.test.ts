// A delivery frame's header read in place (src/cluster/FrameHead.ts) gives what reading it from
// a copy of its line gave (the old path), for well-formed lines and for any other text.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { eachAnswer, frameHeadAt, frameHeadOf } from "../../src/cluster/FrameHead.js"

/** Text made mostly of the characters a header line is made of. */
const lineText = fc.string({
  unit: fc.oneof(
    fc.constantFrom(" ", "0", "1", "7", "9", "w", "a", "-", "/", "@", "x", "e", "."),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }),
  ),
  maxLength: 40,
})

/** A header line as src/cluster/Deliveries.ts writes it. */
const wellFormed = fc
  .tuple(
    fc.nat(),
    fc.constantFrom("w", "a", "-"),
    fc.nat({ max: 1_000_000 }),
    fc.string({ unit: "grapheme" }),
  )
  .map(([seq, confirm, length, to]) => `${seq} ${confirm} ${length} ${to}`)

/** Compares both readings of `line` placed between `before` and a newline plus `after`. */
const bothReadings = (before: string, line: string, after: string): void => {
  const text = `${before}${line}\n${after}`
  const newline = before.length + line.length
  expect(frameHeadAt(text, before.length, newline)).toEqual(frameHeadOf(line))
}

describe("frameHeadAt", () => {
  it("reads a well-formed header line as the copy-based reading did", () => {
    fc.assert(
      fc.property(lineText, wellFormed, lineText, (before, line, after) => {
        fc.pre(!line.includes("\n"))
        bothReadings(before, line, after)
      }),
      { numRuns: 2000 },
    )
  })

  it("reads any other line as the copy-based reading did", () => {
    fc.assert(
      fc.property(lineText, lineText, lineText, (before, line, after) => {
        fc.pre(!line.includes("\n"))
        bothReadings(before, line, after)
      }),
      { numRuns: 3000 },
    )
  })

  it("reads the fields of a frame's header", () => {
    expect(frameHeadAt("n1 x\n12 a 30 bob@d/a b\n<message/>", 5, 22)).toEqual({
      seq: 12,
      confirm: "a",
      length: 30,
      to: "bob@d/a b",
    })
  })
})

/** How src/cluster/Deliveries.ts read an answers batch before: split, then slice each item. */
const splitAnswers = (text: string, from: number): Array<[number, string | undefined]> =>
  text
    .slice(from)
    .split(",")
    .map((item) => [Number(item.slice(0, -1)), item.at(-1)])

const readAnswers = (text: string, from: number): Array<[number, string | undefined]> => {
  const read: Array<[number, string | undefined]> = []
  eachAnswer(text, from, (seq, outcome) => read.push([seq, outcome]))
  return read
}

describe("eachAnswer", () => {
  it("reads a batch of answers as splitting it did", () => {
    const answers = fc
      .array(fc.tuple(fc.nat(), fc.constantFrom("+", "-", "~")), { maxLength: 30 })
      .map((items) => items.map(([seq, outcome]) => `${seq}${outcome}`).join(","))
    fc.assert(
      fc.property(lineText, answers, (head, items) => {
        const text = `${head}\n${items}`
        expect(readAnswers(text, head.length + 1)).toEqual(splitAnswers(text, head.length + 1))
      }),
      { numRuns: 2000 },
    )
  })

  it("reads any other text as splitting it did", () => {
    fc.assert(
      fc.property(
        lineText,
        fc.string({ unit: fc.constantFrom(",", "+", "-", "~", "1", "9", " ", "x", "é") }),
        (head, items) => {
          const text = `${head}\n${items}`
          expect(readAnswers(text, head.length + 1)).toEqual(splitAnswers(text, head.length + 1))
        },
      ),
      { numRuns: 3000 },
    )
  })
})
