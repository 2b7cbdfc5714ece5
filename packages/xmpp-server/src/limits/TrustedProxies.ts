// `trusted_proxies`: the addresses and networks (CIDR) of reverse proxies whose word about the
// real client address is taken (PROXY protocol v2 on TCP, `Forwarded`/`X-Forwarded-For` on
// WebSocket). Anyone else's such claims are not read: a client could name any address.
import { BlockList, isIPv4, isIPv6 } from "node:net"
import { addressKey } from "./AddressKey.js"

/** Which peers are trusted proxies. */
export interface TrustedProxies {
  /** True when `address` (as a socket reports it, `::ffff:` form included) is a trusted proxy. */
  trusts(address: string): boolean
  /** True when at least one proxy is trusted. */
  readonly any: boolean
}

/**
 * The reason `entry` is not an address or CIDR network, or undefined when it is one.
 * Example: `trustedProxyProblem("10.0.0.0/33")` explains that /33 is too long for IPv4.
 */
export const trustedProxyProblem = (entry: string): string | undefined => {
  const [network = "", prefix, extra] = entry.split("/")
  if (extra !== undefined) return `not an address or CIDR network: ${JSON.stringify(entry)}`
  const family = isIPv4(network) ? 32 : isIPv6(network) ? 128 : undefined
  if (family === undefined) return `not an IP address: ${JSON.stringify(network)}`
  if (prefix === undefined) return undefined
  const length = Number(prefix)
  if (!/^\d+$/.test(prefix) || length > family)
    return `not a prefix length from 0 to ${family}: ${JSON.stringify(entry)}`
  return undefined
}

/** Builds the matcher from validated entries. Example: `trustedProxies(["127.0.0.1", "10.0.0.0/8"])`. */
export const trustedProxies = (entries: ReadonlyArray<string>): TrustedProxies => {
  const list = new BlockList()
  for (const entry of entries) {
    const [network = "", prefix] = entry.split("/")
    const type = isIPv4(network) ? "ipv4" : "ipv6"
    if (prefix === undefined) list.addAddress(network, type)
    else list.addSubnet(network, Number(prefix), type)
  }
  return {
    any: entries.length > 0,
    trusts: (address) => {
      if (entries.length === 0) return false
      const plain = addressKey(address, 128)
      if (isIPv4(plain)) return list.check(plain, "ipv4")
      return isIPv6(plain) && list.check(plain, "ipv6")
    },
  }
}
