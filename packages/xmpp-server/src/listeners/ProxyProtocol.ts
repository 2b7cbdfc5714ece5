// The PROXY protocol, version 2 (the binary header of HAProxy's proxy-protocol.txt §2.2): a
// proxy in front of a TCP listener sends it before any byte of the client's, carrying the
// client's address. Only read from trusted proxies (`trusted_proxies`); a connection from one
// must start with a valid header (like HAProxy's `accept-proxy` and nginx's `proxy_protocol`),
// else it is closed: a proxy that does not send it is misconfigured, and reading on would
// count every client as the proxy. `LOCAL` (the proxy's own health checks) and address
// families other than TCP/UDP over IPv4/IPv6 keep the proxy's address.
import type { Socket } from "node:net"
import { addressKey } from "../limits/AddressKey.js"

const signature = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
])
const fixedLength = 16

/** What the first bytes of a proxied connection say. */
export type ProxyHeader =
  | { readonly kind: "incomplete" }
  | { readonly kind: "invalid"; readonly reason: string }
  /** `address` undefined: keep the proxy's own (LOCAL, or an unspecified/UNIX family). */
  | { readonly kind: "header"; readonly length: number; readonly address: string | undefined }

/** The 16 bytes of an IPv6 address as eight hex groups (RFC 5952 form comes from addressKey). */
const ipv6Text = (bytes: Buffer): string => {
  const groups: Array<string> = []
  for (let index = 0; index < 16; index += 2) groups.push(bytes.readUInt16BE(index).toString(16))
  return groups.join(":")
}

/** Reads a v2 header from the start of `bytes`. Example: `parseProxyHeader(firstChunk)`. */
export const parseProxyHeader = (bytes: Buffer): ProxyHeader => {
  const compared = Math.min(bytes.length, signature.length)
  if (!bytes.subarray(0, compared).equals(signature.subarray(0, compared)))
    return { kind: "invalid", reason: "the connection does not start with a PROXY v2 signature" }
  if (bytes.length < fixedLength) return { kind: "incomplete" }
  const versionCommand = bytes[12] ?? 0
  const family = bytes[13] ?? 0
  const length = fixedLength + bytes.readUInt16BE(14)
  if (versionCommand >> 4 !== 2)
    return { kind: "invalid", reason: `PROXY protocol version ${versionCommand >> 4}, not 2` }
  const command = versionCommand & 0x0f
  if (command > 1) return { kind: "invalid", reason: `unknown PROXY command ${command}` }
  if (bytes.length < length) return { kind: "incomplete" }
  if (command === 0) return { kind: "header", length, address: undefined }
  const addressFamily = family >> 4
  const body = bytes.subarray(fixedLength, length)
  if (addressFamily === 1) {
    if (body.length < 12) return { kind: "invalid", reason: "PROXY IPv4 block too short" }
    return { kind: "header", length, address: [...body.subarray(0, 4)].join(".") }
  }
  if (addressFamily === 2) {
    if (body.length < 36) return { kind: "invalid", reason: "PROXY IPv6 block too short" }
    return { kind: "header", length, address: addressKey(ipv6Text(body.subarray(0, 16)), 128) }
  }
  return { kind: "header", length, address: undefined }
}

/**
 * Reads the header off `socket`, then calls `proxied` with the client's address (or the
 * proxy's) with the bytes after it put back, paused, for the stream to read; or `refused` with
 * why. Gives up after `timeoutMs`. Example: `readProxyHeader(socket, 30_000, start, refuse)`.
 */
export const readProxyHeader = (
  socket: Socket,
  timeoutMs: number,
  proxied: (address: string) => void,
  refused: (reason: string) => void,
): void => {
  let received = Buffer.alloc(0)
  const finish = (): void => {
    clearTimeout(timer)
    socket.removeListener("data", onData)
    socket.removeListener("close", onClose)
  }
  const onClose = (): void => finish()
  const onData = (chunk: Buffer): void => {
    received = Buffer.concat([received, chunk])
    const header = parseProxyHeader(received)
    if (header.kind === "incomplete") return
    finish()
    if (header.kind === "invalid") return void refused(header.reason)
    socket.pause()
    const rest = received.subarray(header.length)
    if (rest.length > 0) socket.unshift(rest)
    proxied(header.address ?? socket.remoteAddress ?? "unknown")
  }
  const timer = setTimeout(() => {
    finish()
    refused("no PROXY header in time")
  }, timeoutMs)
  timer.unref()
  socket.on("data", onData)
  socket.on("close", onClose)
}
