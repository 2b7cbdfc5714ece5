// Writes a batch of cross-node frames (src/cluster/Deliveries.ts) straight into the bytes NATS
// sends: a head line, then parts that are strings (UTF-8, as TextEncoder writes them) or
// non-negative integers (decimal digits). Joining the parts into one string and encoding that
// made two copies of every batch, and each frame's header line was a string of its own; a
// cross-node message allocated about 5,900 heap bytes against 3,900 same-node, and each node
// then collected garbage that much more often (docs/performance.md, "The cross-node tail").

/** A piece of a batch: text, or a non-negative integer written as decimal digits. */
export type FramePart = string | number

/** How many decimal digits `value` (a non-negative integer) has. */
const digitCount = (value: number): number => {
  let count = 1
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) count += 1
  return count
}

/** Writes `value`'s digits into `bytes` at `at`; returns the offset after them. */
const writeDigits = (bytes: Uint8Array, value: number, at: number): number => {
  const end = at + digitCount(value)
  let rest = value
  for (let place = end - 1; place >= at; place -= 1) {
    bytes[place] = 48 + (rest % 10)
    rest = Math.floor(rest / 10)
  }
  return end
}

/**
 * The UTF-8 bytes of `head` followed by `parts`. Example: `frameBytes("n1 x\n", [7, " w ", 10,
 * " ", "a@d/r", "\n", "<message/>"])` is the bytes of `"n1 x\n7 w 10 a@d/r\n<message/>"`.
 */
export const frameBytes = (
  head: string,
  parts: ReadonlyArray<FramePart>,
  count = parts.length,
): Uint8Array => {
  let size = Buffer.byteLength(head)
  for (let index = 0; index < count; index += 1) {
    const part = parts[index] ?? ""
    size += typeof part === "number" ? digitCount(part) : Buffer.byteLength(part)
  }
  const bytes = Buffer.allocUnsafe(size)
  let at = bytes.write(head, 0)
  for (let index = 0; index < count; index += 1) {
    const part = parts[index] ?? ""
    at = typeof part === "number" ? writeDigits(bytes, part, at) : at + bytes.write(part, at)
  }
  return bytes
}

/**
 * The parts of one batch being gathered. Its array keeps its capacity from batch to batch
 * (emptying it with `length = 0` gave the capacity back, and every batch grew a new one).
 */
export class FrameParts {
  private readonly parts: Array<FramePart> = []
  private count = 0

  /** Nothing gathered since the last `take`. */
  get empty(): boolean {
    return this.count === 0
  }

  add(part: FramePart): void {
    this.parts[this.count] = part
    this.count += 1
  }

  /** The bytes of `head` and what was gathered; empties the batch (its texts are let go). */
  take(head: string): Uint8Array {
    const bytes = frameBytes(head, this.parts, this.count)
    this.parts.fill(0, 0, this.count)
    this.count = 0
    return bytes
  }
}
