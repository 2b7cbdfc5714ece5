// The bytes of a cross-node batch written part by part (src/cluster/FrameBytes.ts) are exactly
// those the old path made: the parts joined into one string after the head, then TextEncoder
// (a surrogate pair split over two string parts is the one difference; Deliveries never splits
// one: a stanza's text and a JID sit only next to ASCII or digits in a batch).
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type FramePart, FrameParts, frameBytes } from "../../src/cluster/FrameBytes.js"

/** What src/cluster/Deliveries.ts sent before: join, then encode. */
const joinedThenEncoded = (head: string, parts: ReadonlyArray<FramePart>): Uint8Array =>
  new TextEncoder().encode(`${head}${parts.join("")}`)

/** Any text, lone surrogates included (both paths write them as U+FFFD). */
const anyText = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: fc.integer({ min: 0xd7f0, max: 0xe010 }).map((c) => String.fromCharCode(c)) }),
)

const part: fc.Arbitrary<FramePart> = fc.oneof(
  anyText,
  fc.nat(),
  fc.constantFrom(0, 9, 10, 99, 100, 2 ** 31, Number.MAX_SAFE_INTEGER),
)

/** Half a surrogate pair ends one string part and the other half starts the next. */
const splitsAPair = (parts: ReadonlyArray<FramePart>): boolean =>
  parts
    .filter((part) => part !== "")
    .some((left, index, nonEmpty) => {
      const right = nonEmpty[index + 1]
      if (typeof left !== "string" || typeof right !== "string") return false
      const last = left.charCodeAt(left.length - 1)
      const first = right.charCodeAt(0)
      return last >= 0xd800 && last <= 0xdbff && first >= 0xdc00 && first <= 0xdfff
    })

/** Delivery frames as src/cluster/Deliveries.ts queues them. */
const deliveryFrames = fc
  .array(fc.tuple(fc.nat(), fc.constantFrom(" w ", " a ", " - "), anyText, anyText), {
    maxLength: 20,
  })
  .map((frames) =>
    frames.flatMap(
      ([seq, confirm, full, text]): Array<FramePart> => [
        seq,
        confirm,
        text.length,
        " ",
        full,
        "\n",
        text,
      ],
    ),
  )

/** Answers as the origin's old path wrote them: `SEQ` and outcome, items joined by commas. */
const answers = fc.array(fc.tuple(fc.nat(), fc.constantFrom("+", "-", "~")), {
  minLength: 1,
  maxLength: 30,
})

describe("frameBytes", () => {
  it("writes a delivery batch as joining its frames and encoding the string did", () => {
    fc.assert(
      fc.property(anyText, deliveryFrames, (node, parts) => {
        const head = `${node} incarnation\n`
        expect(Buffer.from(frameBytes(head, parts))).toEqual(
          Buffer.from(joinedThenEncoded(head, parts)),
        )
      }),
      { numRuns: 1000 },
    )
  })

  it("writes answers as joining them with commas and encoding did", () => {
    fc.assert(
      fc.property(answers, (items) => {
        const parts = items.flatMap(
          ([seq, outcome], index): Array<FramePart> =>
            index === 0 ? [seq, outcome] : [",", seq, outcome],
        )
        const old = `n2 abc\n${items.map(([seq, outcome]) => `${seq}${outcome}`).join(",")}`
        expect(new TextDecoder().decode(frameBytes("n2 abc\n", parts))).toBe(old)
      }),
    )
  })

  it("writes any parts as joining and encoding did, unless a surrogate pair is split over two", () => {
    fc.assert(
      fc.property(anyText, fc.array(part, { maxLength: 40 }), (head, parts) => {
        fc.pre(!splitsAPair([head, ...parts]))
        expect(Buffer.from(frameBytes(head, parts))).toEqual(
          Buffer.from(joinedThenEncoded(head, parts)),
        )
      }),
      { numRuns: 2000 },
    )
  })

  it("writes a delivery frame as the wire format says", () => {
    const parts: Array<FramePart> = [
      7,
      " w ",
      20,
      " ",
      "bob@d/res one",
      "\n",
      "<message>é</message>",
    ]
    expect(new TextDecoder().decode(frameBytes("n1 abc\n", parts))).toBe(
      "n1 abc\n7 w 20 bob@d/res one\n<message>é</message>",
    )
  })
})

describe("FrameParts", () => {
  it("gives each batch's bytes alone, batch after batch, as joining and encoding it did", () => {
    fc.assert(
      fc.property(fc.array(deliveryFrames, { maxLength: 6 }), (batches) => {
        const gathered = new FrameParts()
        for (const parts of batches) {
          for (const part of parts) gathered.add(part)
          expect(gathered.empty).toBe(parts.length === 0)
          expect(Buffer.from(gathered.take("n1 x\n"))).toEqual(
            Buffer.from(joinedThenEncoded("n1 x\n", parts)),
          )
          expect(gathered.empty).toBe(true)
        }
      }),
      { numRuns: 300 },
    )
  })
})
