// A minimal DER encoder (ITU-T X.690 §8, §10) for the few ASN.1 types an X.509 certificate
// (RFC 5280 §4.1) needs: enough to write a self-signed certificate without a dependency.

const lengthOf = (length: number): Buffer => {
  if (length < 0x80) return Buffer.from([length])
  const bytes: Array<number> = []
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

/** One tag-length-value with the given tag byte. */
export const tlv = (tag: number, content: Uint8Array): Buffer =>
  Buffer.concat([Buffer.from([tag]), lengthOf(content.length), content])

/** SEQUENCE of already encoded elements. */
export const sequence = (...elements: ReadonlyArray<Uint8Array>): Buffer =>
  tlv(0x30, Buffer.concat(elements))

/** SET of already encoded elements (callers pass one element, so no sorting is needed). */
export const set = (...elements: ReadonlyArray<Uint8Array>): Buffer =>
  tlv(0x31, Buffer.concat(elements))

/** INTEGER from unsigned big-endian bytes (a leading zero is added when the top bit is set). */
export const unsignedInteger = (bytes: Uint8Array): Buffer => {
  const start = bytes.findIndex((byte) => byte !== 0)
  const trimmed = start === -1 ? Buffer.from([0]) : Buffer.from(bytes.subarray(start))
  const positive = (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed
  return tlv(0x02, positive)
}

/** OBJECT IDENTIFIER from its dotted form, e.g. `"2.5.4.3"`. */
export const objectIdentifier = (dotted: string): Buffer => {
  const [first = 0, second = 0, ...rest] = dotted.split(".").map(Number)
  const bytes = [40 * first + second]
  for (const arc of rest) {
    const group: Array<number> = [arc % 128]
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
      group.unshift(0x80 | (value % 128))
    }
    bytes.push(...group)
  }
  return tlv(0x06, Buffer.from(bytes))
}

/** UTF8String. */
export const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, "utf8"))

/** BOOLEAN. */
export const boolean = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0]))

/** OCTET STRING. */
export const octetString = (content: Uint8Array): Buffer => tlv(0x04, content)

/** BIT STRING of whole bytes, `unusedBits` unused in the last one. */
export const bitString = (content: Uint8Array, unusedBits = 0): Buffer =>
  tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), content]))

/** RFC 5280 §4.1.2.5 time: UTCTime through 2049, GeneralizedTime from 2050. */
export const time = (date: Date): Buffer => {
  const iso = date.toISOString()
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(digits.slice(2), "ascii"))
    : tlv(0x18, Buffer.from(digits, "ascii"))
}

/** `[number]` EXPLICIT (constructed, context-specific) around one encoded element. */
export const explicit = (number: number, element: Uint8Array): Buffer => tlv(0xa0 | number, element)

/** `[number]` IMPLICIT primitive, context-specific, with raw content. */
export const implicitPrimitive = (number: number, content: Uint8Array): Buffer =>
  tlv(0x80 | number, content)
