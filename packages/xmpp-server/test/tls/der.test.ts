// The DER encoder against hand-checked encodings from X.690 and RFC 5280.
import { describe, expect, it } from "vitest"
import { objectIdentifier, time, tlv, unsignedInteger } from "../../src/tls/der.js"

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")

describe("DER", () => {
  it("encodes object identifiers with multi-byte arcs", () => {
    expect(hex(objectIdentifier("1.2.840.113549"))).toBe("06062a864886f70d")
    expect(hex(objectIdentifier("2.5.29.17"))).toBe("0603551d11")
  })

  it("uses the long length form from 128 bytes", () => {
    expect(hex(tlv(0x04, Buffer.alloc(127))).slice(0, 4)).toBe("047f")
    expect(hex(tlv(0x04, Buffer.alloc(128))).slice(0, 6)).toBe("048180")
    expect(hex(tlv(0x04, Buffer.alloc(300))).slice(0, 8)).toBe("0482012c")
  })

  it("keeps integers positive and minimal", () => {
    expect(hex(unsignedInteger(Buffer.from([0x80])))).toBe("02020080")
    expect(hex(unsignedInteger(Buffer.from([0, 0, 0x7f])))).toBe("02017f")
    expect(hex(unsignedInteger(Buffer.from([0, 0])))).toBe("020100")
  })

  it("switches from UTCTime to GeneralizedTime in 2050 (RFC 5280 §4.1.2.5)", () => {
    expect(time(new Date("2049-12-31T23:59:59Z")).toString("latin1").slice(2)).toBe("491231235959Z")
    expect(time(new Date("2050-01-01T00:00:00Z")).toString("latin1").slice(2)).toBe(
      "20500101000000Z",
    )
    expect(time(new Date("2050-01-01T00:00:00Z"))[0]).toBe(0x18)
  })
})
