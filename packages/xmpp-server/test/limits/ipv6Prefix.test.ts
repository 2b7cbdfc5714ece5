// IPv6 clients are counted by prefix for the per-address limits ([limits] ipv6_prefix_length,
// a /64 by default): a host that takes a new address from its /64 for each connection is
// limited like one host. The key is checked against WHATWG URL's IPv6 serializer (RFC 5952
// form) as an independent oracle. Tests bind to 127.0.0.1 only, so the limiter is driven here
// with the addresses a dual-stack listener would report; the wiring from the listeners to the
// limiter is the one connectionRate.test.ts drives over real sockets.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { defaultLimits } from "../../src/config/limitsSection.js"
import { addressKey, networkKey } from "../../src/limits/AddressKey.js"
import { ConnectionLimits } from "../../src/limits/ConnectionLimits.js"
import { makeJsonLogger } from "../../src/log/Logger.js"

type Groups = ReadonlyArray<number>

const groups = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 })
const isMappedIPv4 = (address: Groups) =>
  address.slice(0, 5).every((group) => group === 0) && address[5] === 0xffff

/** `address` in one of the ways it may be written: padded, upper case, or with `::`. */
const written = (address: Groups, style: number): string => {
  const full = address.map((group) => group.toString(16))
  if (style === 0) return full.map((group) => group.padStart(4, "0")).join(":")
  if (style === 1) return full.join(":").toUpperCase()
  const zero = address.indexOf(0)
  if (zero === -1) return full.join(":")
  let end = zero
  while (end < 8 && address[end] === 0) end += 1
  return `${full.slice(0, zero).join(":")}::${full.slice(end).join(":")}`
}

const bigIntOf = (address: Groups): bigint =>
  address.reduce((value, group) => (value << 16n) | BigInt(group), 0n)

/** The oracle: URL's serialization of `address` with the bits past `prefix` cleared. */
const expectedKey = (address: Groups, prefix: number): string => {
  const kept = bigIntOf(address) & (((1n << BigInt(prefix)) - 1n) << BigInt(128 - prefix))
  const hex = Array.from({ length: 8 }, (_, index) =>
    ((kept >> BigInt(16 * (7 - index))) & 0xffffn).toString(16),
  ).join(":")
  const canonical = new URL(`http://[${hex}]/`).hostname.slice(1, -1)
  return prefix === 128 ? canonical : `${canonical}/${prefix}`
}

describe("addressKey", () => {
  it.each([
    ["2001:db8::1:2:3:4", 64, "2001:db8::/64"],
    ["2001:DB8:0:1:aaaa::1%eth0", 64, "2001:db8:0:1::/64"],
    ["2001:db8:0:1:aaaa::1", 48, "2001:db8::/48"],
    ["2001:db8:0:1:aaaa::1", 56, "2001:db8::/56"],
    ["2001:db8:0:1ff:aaaa::1", 56, "2001:db8:0:100::/56"],
    ["fe80::1%lo", 128, "fe80::1"],
    ["::1", 64, "::/64"],
    ["::ffff:192.0.2.1", 64, "192.0.2.1"],
    ["::FFFF:c000:0201", 64, "192.0.2.1"],
    ["64:ff9b::192.0.2.1", 96, "64:ff9b::/96"],
    ["64:ff9b::192.0.2.1", 128, "64:ff9b::c000:201"],
    ["192.0.2.1", 64, "192.0.2.1"],
    ["unknown", 64, "unknown"],
  ])("keys %s with a /%i as %s", (address, prefix, key) => {
    expect(addressKey(address, prefix)).toBe(key)
  })

  it("gives every way of writing an address the key URL gives its prefix", () => {
    fc.assert(
      fc.property(
        groups,
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 1, max: 128 }),
        (address, style, prefix) => {
          fc.pre(!isMappedIPv4(address))
          expect(addressKey(written(address, style), prefix)).toBe(expectedKey(address, prefix))
        },
      ),
    )
  })

  it("gives two addresses one key exactly when their first prefix bits agree", () => {
    fc.assert(
      fc.property(
        groups,
        groups,
        fc.integer({ min: 1, max: 128 }),
        fc.integer({ min: 0, max: 128 }),
        (first, other, prefix, shared) => {
          // The second address takes `shared` leading bits from the first, the rest from `other`.
          const sharedMask = ((1n << BigInt(shared)) - 1n) << BigInt(128 - shared)
          const mixed = (bigIntOf(first) & sharedMask) | (bigIntOf(other) & ~sharedMask)
          const second = Array.from({ length: 8 }, (_, index) =>
            Number((mixed >> BigInt(16 * (7 - index))) & 0xffffn),
          )
          fc.pre(!isMappedIPv4(first) && !isMappedIPv4(second))
          const prefixMask = ((1n << BigInt(prefix)) - 1n) << BigInt(128 - prefix)
          const samePrefix = (bigIntOf(first) & prefixMask) === (bigIntOf(second) & prefixMask)
          const sameKey =
            addressKey(written(first, 2), prefix) === addressKey(written(second, 0), prefix)
          expect(sameKey).toBe(samePrefix)
        },
      ),
    )
  })
})

describe("networkKey (registration limits per network)", () => {
  it.each([
    ["192.0.2.77", "192.0.2.0/24"],
    ["::ffff:192.0.2.77", "192.0.2.0/24"],
    ["2001:db8:1:2::5", "2001:db8:1::/48"],
    ["2001:db8:1:ffff:1:2:3:4", "2001:db8:1::/48"],
    ["unknown", "unknown"],
  ])("puts %s in %s", (address, key) => {
    expect(networkKey(address)).toBe(key)
  })
})

describe("connection limits under IPv6", () => {
  const limiter = (ipv6_prefix_length: number, lines: Array<string>) =>
    new ConnectionLimits(
      {
        ...defaultLimits,
        connections_per_ip: 2,
        unauthenticated_per_ip: 0,
        ipv6_prefix_length,
      },
      makeJsonLogger({ write: (line) => lines.push(line) }),
      0,
    )

  it("counts every address of one /64 as one client, and logs the prefix", () => {
    const lines: Array<string> = []
    const limits = limiter(64, lines)
    expect(limits.admit("2001:db8:0:1::a", 0)).toMatchObject({ address: "2001:db8:0:1::/64" })
    expect(limits.admit("2001:db8:0:1:5:6:7:8", 0)).toMatchObject({ address: "2001:db8:0:1::/64" })
    expect(limits.admit("2001:db8:0:1:ffff::c", 0)).toBe("connection-rate")
    // Another /64, and IPv4, are not affected.
    expect(limits.admit("2001:db8:0:2::a", 0)).toMatchObject({ address: "2001:db8:0:2::/64" })
    expect(limits.admit("::ffff:192.0.2.1", 0)).toMatchObject({ address: "192.0.2.1" })
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({
        level: "warn",
        event: "connections-refused",
        address: "2001:db8:0:1::/64",
        reason: "connection-rate",
      }),
    ])
  })

  it("counts address by address with ipv6_prefix_length = 128", () => {
    const limits = limiter(128, [])
    for (const address of ["2001:db8::a", "2001:db8::b", "2001:db8::c"]) {
      expect(limits.admit(address, 0)).toMatchObject({ address })
      expect(limits.admit(address, 0)).toMatchObject({ address })
      expect(limits.admit(address, 0)).toBe("connection-rate")
    }
  })
})
