// The real client behind a trusted reverse proxy in front of the WebSocket listener: RFC 7239
// `Forwarded` (`for=` and `proto=`), else `X-Forwarded-For` and `X-Forwarded-Proto`. Each
// proxy appends the address it got the request from, so the list is read from the right:
// trusted proxies are skipped, and the first address that is not one is the client (anything
// further left was written by the client itself and may be made up). Headers from a peer
// that is not a trusted proxy are not read at all.
import type { IncomingHttpHeaders } from "node:http"
import { isIP } from "node:net"
import type { TrustedProxies } from "../limits/TrustedProxies.js"

/** Who is at the other end of a WebSocket, as far as the server can tell. */
export interface ForwardedClient {
  /** The client's address (the socket's peer when no trusted proxy says otherwise). */
  readonly address: string
  /** True when a trusted proxy says the client reached it over TLS (`https`/`wss`). */
  readonly secure: boolean
  /** True when the peer is a trusted proxy. */
  readonly proxied: boolean
}

interface Hop {
  readonly address: string | undefined
  readonly proto: string | undefined
}

const unquote = (value: string): string =>
  value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, "$1") : value

/** RFC 7239 §6 node: `192.0.2.1`, `192.0.2.1:80`, `[2001:db8::1]`, `[2001:db8::1]:80`; else undefined. */
const nodeAddress = (node: string): string | undefined => {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(node)
  const candidate = bracketed?.[1] ?? (isIP(node) === 6 ? node : node.replace(/:\d+$/, ""))
  return isIP(candidate) === 0 ? undefined : candidate
}

const forwardedHops = (header: string): Array<Hop> =>
  header.split(",").map((element) => {
    const params = new Map<string, string>()
    for (const pair of element.split(";")) {
      const at = pair.indexOf("=")
      if (at > 0)
        params.set(pair.slice(0, at).trim().toLowerCase(), unquote(pair.slice(at + 1).trim()))
    }
    const node = params.get("for")
    return {
      address: node === undefined ? undefined : nodeAddress(node),
      proto: params.get("proto")?.toLowerCase(),
    }
  })

const headerText = (value: string | ReadonlyArray<string> | undefined): string | undefined =>
  value === undefined ? undefined : typeof value === "string" ? value : value.join(",")

const isTls = (proto: string | undefined): boolean => proto === "https" || proto === "wss"

/**
 * The client of a request that arrived from `peer`. Example:
 * `forwardedClient("127.0.0.1", request.headers, proxies).address`.
 */
export const forwardedClient = (
  peer: string,
  headers: IncomingHttpHeaders,
  proxies: TrustedProxies,
): ForwardedClient => {
  if (!proxies.trusts(peer)) return { address: peer, secure: false, proxied: false }
  const forwarded = headerText(headers.forwarded)
  const forwardedFor = headerText(headers["x-forwarded-for"])
  const forwardedProto = headerText(headers["x-forwarded-proto"])
  const hops: Array<Hop> =
    forwarded !== undefined
      ? forwardedHops(forwarded)
      : (forwardedFor ?? "")
          .split(",")
          .map((entry) => entry.trim())
          .filter((entry) => entry !== "")
          .map((entry) => ({ address: nodeAddress(entry), proto: undefined }))
  // X-Forwarded-Proto: the value the nearest proxy wrote (a client can write the ones before).
  const nearestProto = forwardedProto?.split(",").pop()?.trim().toLowerCase()
  let client: Hop = { address: peer, proto: forwarded === undefined ? nearestProto : undefined }
  for (let index = hops.length - 1; index >= 0; index--) {
    const hop = hops[index] as Hop
    // An obfuscated or unknown node (RFC 7239 §6.3): the proxy that wrote it is as far as we see.
    if (hop.address === undefined) break
    client = { address: hop.address, proto: forwarded === undefined ? nearestProto : hop.proto }
    if (!proxies.trusts(hop.address)) break
  }
  return { address: client.address ?? peer, secure: isTls(client.proto), proxied: true }
}
