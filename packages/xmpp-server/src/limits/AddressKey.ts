// Which client addresses share one set of per-address limits. An IPv4 address is one host. An
// IPv6 host is usually given a whole /64 (RFC 6177, RFC 7421) and can pick a new address in it
// for every connection (RFC 8981), so counting IPv6 addresses one by one would let a single
// host open as many connections as it likes: IPv6 addresses are counted by prefix instead.
import { isIPv4, isIPv6 } from "node:net"

/**
 * The 16-bit groups of an IPv6 address in text form (`::` and a dotted IPv4 tail allowed),
 * or `undefined` when the text is not one.
 */
const ipv6Groups = (text: string): Array<number> | undefined => {
  if (!isIPv6(text)) return undefined
  const lastColon = text.lastIndexOf(":")
  let tail = text.slice(lastColon + 1)
  const head = text.slice(0, lastColon + 1)
  const tailGroups: Array<number> = []
  if (tail.includes(".")) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split(".").map(Number)
    tailGroups.push((a << 8) | b, (c << 8) | d)
    tail = ""
  }
  const written = head + tail
  const [before = "", after] = written.split("::")
  const parse = (part: string): Array<number> =>
    part
      .split(":")
      .filter((group) => group !== "")
      .map((group) => Number.parseInt(group, 16))
  const left = parse(before)
  const right = [...(after === undefined ? [] : parse(after)), ...tailGroups]
  const zeros = 8 - left.length - right.length
  if (after === undefined) return [...left, ...right]
  return [...left, ...new Array<number>(zeros).fill(0), ...right]
}

/** `groups` with every bit past the first `prefixLength` cleared, in RFC 5952 form. */
const formatPrefix = (groups: ReadonlyArray<number>, prefixLength: number): string => {
  const masked = groups.map((group, index) => {
    const kept = Math.min(16, Math.max(0, prefixLength - index * 16))
    return kept === 16 ? group : kept === 0 ? 0 : group & (0xffff << (16 - kept)) & 0xffff
  })
  // RFC 5952 §4.2: the longest run of two or more zero groups (the first of equals) is `::`.
  let bestStart = -1
  let bestLength = 1
  for (let start = 0; start < 8; ) {
    if (masked[start] !== 0) {
      start += 1
      continue
    }
    let end = start
    while (end < 8 && masked[end] === 0) end += 1
    if (end - start > bestLength) {
      bestStart = start
      bestLength = end - start
    }
    start = end
  }
  const hex = (part: ReadonlyArray<number>) => part.map((group) => group.toString(16)).join(":")
  const text =
    bestStart === -1
      ? hex(masked)
      : `${hex(masked.slice(0, bestStart))}::${hex(masked.slice(bestStart + bestLength))}`
  return prefixLength === 128 ? text : `${text}/${prefixLength}`
}

/**
 * The key under which connections from `address` are counted. An IPv4 address, also when a
 * dual-stack socket reports it as `::ffff:192.0.2.1`, is its own key. An IPv6 address (a zone
 * such as `%eth0` ignored) is keyed by its first `ipv6PrefixLength` bits, as `2001:db8:1:2::/64`
 * (the address itself in RFC 5952 form with 128). Anything else is kept as it is.
 *
 * Example: `addressKey("2001:db8::1:2:3:4", 64) === "2001:db8::/64"`.
 */
export const addressKey = (address: string, ipv6PrefixLength: number): string => {
  if (isIPv4(address)) return address
  const percent = address.indexOf("%")
  const groups = ipv6Groups(percent === -1 ? address : address.slice(0, percent))
  if (groups === undefined) return address
  const isMappedIPv4 = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff
  if (isMappedIPv4) {
    const [high = 0, low = 0] = groups.slice(6)
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`
  }
  return formatPrefix(groups, ipv6PrefixLength)
}

/**
 * The network `address` belongs to, for limits that a host could otherwise get around by
 * using its neighbours' addresses too: its /24 for IPv4 (also when written `::ffff:a.b.c.d`),
 * its /48 for IPv6 (a site's usual allocation, RFC 6177). Anything else is kept as it is.
 *
 * Example: `networkKey("192.0.2.77") === "192.0.2.0/24"`, `networkKey("2001:db8:1:2::5") === "2001:db8:1::/48"`.
 */
export const networkKey = (address: string): string => {
  const key = addressKey(address, 48)
  if (!isIPv4(key)) return key
  const [a, b, c] = key.split(".")
  return `${a}.${b}.${c}.0/24`
}
