// A PROXY protocol v2 header (HAProxy proxy-protocol.txt §2.2) as a proxy in front of the
// server would send it, built byte by byte here rather than with the server's parser.
import { isIPv4 } from "node:net"

const signature = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]

const ipv4Bytes = (address: string): Array<number> => address.split(".").map(Number)

const ipv6Bytes = (address: string): Array<number> => {
  const [head = "", tail = ""] = address.split("::")
  const groups = (part: string) => (part === "" ? [] : part.split(":"))
  const left = groups(head)
  const right = groups(tail)
  const all = address.includes("::")
    ? [...left, ...new Array<string>(8 - left.length - right.length).fill("0"), ...right]
    : left
  return all.flatMap((group) => {
    const value = Number.parseInt(group, 16)
    return [value >> 8, value & 0xff]
  })
}

/** A PROXY (command 1) header over TCP from `source`:`sourcePort` to the server. */
export const proxyV2Header = (source: string, sourcePort = 40_000): Buffer => {
  const v4 = isIPv4(source)
  const addresses = v4
    ? [...ipv4Bytes(source), 127, 0, 0, 1]
    : [...ipv6Bytes(source), ...ipv6Bytes("::1")]
  const ports = [sourcePort >> 8, sourcePort & 0xff, 0x14, 0x66]
  const body = [...addresses, ...ports]
  return Buffer.from([
    ...signature,
    0x21,
    v4 ? 0x11 : 0x21,
    body.length >> 8,
    body.length & 0xff,
    ...body,
  ])
}

/** A LOCAL (command 0) header: the proxy's own connection, no client address. */
export const proxyV2LocalHeader = (): Buffer => Buffer.from([...signature, 0x20, 0x00, 0, 0])
