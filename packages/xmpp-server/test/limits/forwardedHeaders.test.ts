// Reading the client behind trusted proxies (src/listeners/ForwardedHeaders.ts, RFC 7239) and
// the PROXY v2 header (src/listeners/ProxyProtocol.ts), as plain functions: which address and
// scheme count, and what is refused. The wiring over real sockets is trustedProxies.test.ts.
import { describe, expect, it } from "vitest"
import { trustedProxies, trustedProxyProblem } from "../../src/limits/TrustedProxies.js"
import { forwardedClient } from "../../src/listeners/ForwardedHeaders.js"
import { parseProxyHeader } from "../../src/listeners/ProxyProtocol.js"
import { proxyV2Header, proxyV2LocalHeader } from "../helpers/proxyHeader.js"

const proxies = trustedProxies(["10.0.0.0/8", "192.0.2.1", "2001:db8:ffff::/48"])

describe("forwardedClient", () => {
  it.each([
    [
      "an untrusted peer's headers are not read",
      "198.51.100.1",
      { "x-forwarded-for": "1.2.3.4" },
      "198.51.100.1",
      false,
    ],
    [
      "X-Forwarded-For, one hop",
      "10.0.0.5",
      { "x-forwarded-for": "203.0.113.1" },
      "203.0.113.1",
      false,
    ],
    [
      "the rightmost untrusted entry, not a made-up one on the left",
      "10.0.0.5",
      { "x-forwarded-for": "6.6.6.6, 203.0.113.1, 10.0.0.9" },
      "203.0.113.1",
      false,
    ],
    [
      "every entry trusted: the leftmost",
      "10.0.0.5",
      { "x-forwarded-for": "10.1.1.1, 192.0.2.1" },
      "10.1.1.1",
      false,
    ],
    [
      "a trusted peer without headers is the client",
      "::ffff:10.0.0.5",
      {},
      "::ffff:10.0.0.5",
      false,
    ],
    [
      "X-Forwarded-Proto: the nearest proxy's value",
      "10.0.0.5",
      { "x-forwarded-for": "203.0.113.1", "x-forwarded-proto": "http, https" },
      "203.0.113.1",
      true,
    ],
    [
      "a client-written https before the proxy's http is not believed",
      "10.0.0.5",
      { "x-forwarded-proto": "https, http" },
      "10.0.0.5",
      false,
    ],
    [
      "Forwarded wins over X-Forwarded-For",
      "10.0.0.5",
      { forwarded: "for=203.0.113.2;proto=https", "x-forwarded-for": "203.0.113.3" },
      "203.0.113.2",
      true,
    ],
    [
      "Forwarded IPv6 with port",
      "10.0.0.5",
      { forwarded: 'for="[2001:db8::1]:4711"' },
      "2001:db8::1",
      false,
    ],
    [
      "Forwarded: the proto of the client's own hop",
      "10.0.0.5",
      { forwarded: "for=203.0.113.2;proto=https, for=10.9.9.9;proto=http" },
      "203.0.113.2",
      true,
    ],
    [
      "an obfuscated node stops the walk at the proxy that wrote it",
      "10.0.0.5",
      { forwarded: "for=_hidden, for=10.9.9.9" },
      "10.9.9.9",
      false,
    ],
    [
      "a trusted IPv6 proxy network",
      "2001:db8:ffff:1::1",
      { "x-forwarded-for": "2001:db8::2" },
      "2001:db8::2",
      false,
    ],
  ])("%s", (_title, peer, headers, address, secure) => {
    expect(forwardedClient(peer, headers, proxies)).toMatchObject({ address, secure })
  })
})

describe("trusted_proxies entries", () => {
  it.each([
    ["10.0.0.0/8", undefined],
    ["::1", undefined],
    ["2001:db8::/129", 'not a prefix length from 0 to 128: "2001:db8::/129"'],
    ["10.0.0.0/x", 'not a prefix length from 0 to 32: "10.0.0.0/x"'],
    ["localhost", 'not an IP address: "localhost"'],
    ["10.0.0.0/8/8", 'not an address or CIDR network: "10.0.0.0/8/8"'],
  ])("%s", (entry, problem) => {
    expect(trustedProxyProblem(entry)).toBe(problem)
  })
})

describe("parseProxyHeader", () => {
  it("reads the client's IPv4 and IPv6 address and the header's length", () => {
    const v4 = proxyV2Header("203.0.113.7")
    expect(parseProxyHeader(Buffer.concat([v4, Buffer.from("<stream")]))).toEqual({
      kind: "header",
      length: v4.length,
      address: "203.0.113.7",
    })
    expect(parseProxyHeader(proxyV2Header("2001:db8::7"))).toMatchObject({ address: "2001:db8::7" })
  })

  it("keeps the proxy's address for LOCAL", () => {
    expect(parseProxyHeader(proxyV2LocalHeader())).toEqual({
      kind: "header",
      length: 16,
      address: undefined,
    })
  })

  it("waits for the rest of a header cut anywhere", () => {
    const header = proxyV2Header("203.0.113.7")
    for (let cut = 0; cut < header.length; cut++)
      expect(parseProxyHeader(header.subarray(0, cut)).kind).toBe("incomplete")
  })

  it("refuses XML, PROXY v1 text, another version, another command and a short block", () => {
    const header = proxyV2Header("203.0.113.7")
    const changed = (index: number, value: number) => {
      const copy = Buffer.from(header)
      copy[index] = value
      return copy
    }
    for (const bytes of [
      Buffer.from("<?xml version='1.0'?>"),
      Buffer.from("PROXY TCP4 203.0.113.7 127.0.0.1 40000 5222\r\n"),
      changed(12, 0x11),
      changed(12, 0x22),
      Buffer.concat([header.subarray(0, 14), Buffer.from([0, 4, 1, 2, 3, 4])]),
    ])
      expect(parseProxyHeader(bytes).kind).toBe("invalid")
  })
})
