// Reads a delivery frame's header line, `SEQ CONFIRM LENGTH TO`, where it stands in a batch's
// text (src/cluster/Deliveries.ts), without copying the line out first: at 2,000 msgs/s every
// NATS message carries one frame, and the line's copy, its numbers' copies and `TO` sliced from
// the copy were a good part of the 381 heap bytes a received frame cost (docs/performance.md,
// "The cross-node tail"). A line that is not four fields is read as before, from a copy. The
// answers coming back are read in place too.

/** What the owner is asked for: `w` an answer once written, `a` once acknowledged, `-` none. */
export type Confirm = "w" | "a" | "-"

/**
 * Calls `visit` with each answer of an answers batch, `SEQ` and its outcome character (`+`,
 * `-`, `~`), from `from` on: the items `text.slice(from).split(",")`, each read as
 * `Number(item.slice(0, -1))` and `item.at(-1)`, without those strings (at 2,000 msgs/s an
 * answer often travels alone, and they were per message).
 */
export const eachAnswer = (
  text: string,
  from: number,
  visit: (seq: number, outcome: string | undefined) => void,
): void => {
  for (let start = from; start <= text.length; ) {
    const comma = text.indexOf(",", start)
    const end = comma === -1 ? text.length : comma
    visit(numberIn(text, start, end - 1), end > start ? text[end - 1] : undefined)
    start = end + 1
  }
}

/** A frame's header. */
export interface FrameHead {
  readonly seq: number
  readonly confirm: Confirm
  /** The body's length in UTF-16 code units. */
  readonly length: number
  /** The recipient's full JID. */
  readonly to: string
}

/** The number `text[from, to)` spells, as `Number(text.slice(from, to))` reads it. */
export const numberIn = (text: string, from: number, to: number): number => {
  if (to <= from || to - from > 15) return Number(text.slice(from, to))
  let value = 0
  for (let at = from; at < to; at += 1) {
    const digit = text.charCodeAt(at) - 48
    if (digit < 0 || digit > 9) return Number(text.slice(from, to))
    value = value * 10 + digit
  }
  return value
}

/** The header line `text[from, newline)`; its fields as the copy-based reading below gives them. */
export const frameHeadAt = (text: string, from: number, newline: number): FrameHead => {
  const first = text.indexOf(" ", from)
  const second = first === -1 ? -1 : text.indexOf(" ", first + 1)
  const third = second === -1 ? -1 : text.indexOf(" ", second + 1)
  if (third === -1 || third >= newline) return frameHeadOf(text.slice(from, newline))
  return {
    seq: numberIn(text, from, first),
    confirm: text.slice(first + 1, second) as Confirm,
    length: numberIn(text, second + 1, third),
    to: text.slice(third + 1, newline),
  }
}

/** The header line `head`, read from its own copy (the way every frame was read before). */
export const frameHeadOf = (head: string): FrameHead => {
  const first = head.indexOf(" ")
  const second = head.indexOf(" ", first + 1)
  const third = head.indexOf(" ", second + 1)
  return {
    seq: Number(head.slice(0, first)),
    confirm: head.slice(first + 1, second) as Confirm,
    length: Number(head.slice(second + 1, third)),
    to: head.slice(third + 1),
  }
}
