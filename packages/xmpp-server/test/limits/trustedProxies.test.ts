// `trusted_proxies` over the wire: behind a proxy every client shares the proxy's address, so
// without it one client's failed logins lock out every other. 127.0.0.1 plays the proxy: its
// PROXY v2 header (TCP, direct TLS) or its `X-Forwarded-For`/`Forwarded` header (WebSocket)
// names the client, and the failed-login budget is kept per client. The same headers from a
// peer that is not a trusted proxy (127.0.0.2) are not read, and a trusted proxy that sends no
// PROXY header is refused. With `tls = "required"`, a WebSocket is only taken from a trusted
// proxy that says the client used TLS.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { proxyV2Header, proxyV2LocalHeader } from "../helpers/proxyHeader.js"
import { plainAuth } from "../helpers/saslClient.js"
import {
  type LimitsServer,
  loginOn,
  openFrame,
  prefixedTcpClient,
  type RawClient,
  startLimitsServer,
  streamHeader,
  tcpClient,
  tlsClient,
  webSocketClient,
} from "./limitsServer.js"

const refusedForFailures = /too many failed logins from your address: try again in \d+ seconds/

let test: LimitsServer
beforeAll(async () => {
  test = await startLimitsServer({
    limits: { auth_failures_per_ip: 3, auth_failures_per_account: 0 },
    listen: {
      c2s: { trusted_proxies: ["127.0.0.1"] },
      websocket: { trusted_proxies: ["127.0.0.1/32", "10.0.0.0/8"] },
    },
  })
  await test.addUser("alice")
})
afterAll(async () => {
  await test.stop()
})

/** Three wrong passwords on a stream that got its features (ends it). */
const failThrice = async (client: RawClient) => {
  for (let attempt = 1; attempt <= 3; attempt++) {
    client.send(plainAuth("alice", `wrong-${attempt}`))
    await client.waitFor((text) => text.split("<not-authorized/>").length > attempt)
  }
  await client.closed
}

const viaTcpProxy = async (client: string): Promise<RawClient> => {
  const connection = await prefixedTcpClient(test.c2sPort, proxyV2Header(client))
  connection.send(streamHeader)
  return connection
}

describe("PROXY protocol v2 on the c2s port", () => {
  it("keeps one client's failed logins from locking out another behind the same proxy", async () => {
    const guesser = await viaTcpProxy("203.0.113.7")
    await guesser.waitFor("</stream:features>")
    await failThrice(guesser)
    const failures = test.events("auth-failed").map((event) => event.address)
    expect(failures).toContain("203.0.113.7")
    expect(failures).not.toContain("127.0.0.1")

    const again = await viaTcpProxy("203.0.113.7")
    await again.closed
    expect(again.text()).toMatch(refusedForFailures)

    const other = await viaTcpProxy("198.51.100.9")
    await other.waitFor("</stream:features>")
    await loginOn(other, "alice", "behind-proxy")
    expect(other.text()).toContain("<jid>alice@localhost/behind-proxy</jid>")
    other.destroy()
  })

  it("reads an IPv6 client address from the header", async () => {
    const client = await viaTcpProxy("2001:db8:1::9")
    await client.waitFor("</stream:features>")
    client.send(plainAuth("alice", "wrong"))
    await client.waitFor("<not-authorized/>")
    client.destroy()
    expect(test.events("auth-failed").at(-1)).toMatchObject({ address: "2001:db8:1::9" })
  })

  it("reads the header before a direct TLS handshake too", async () => {
    const banned = await tlsClient(test.directTlsPort, "127.0.0.1", proxyV2Header("203.0.113.7"))
    banned.send(streamHeader)
    await banned.waitFor("</stream:features>")
    banned.send(plainAuth("alice", "secret"))
    await banned.closed
    expect(banned.text()).toMatch(refusedForFailures)

    const other = await tlsClient(test.directTlsPort, "127.0.0.1", proxyV2Header("198.51.100.10"))
    other.send(streamHeader)
    await other.waitFor("</stream:features>")
    await loginOn(other, "alice", "direct-tls")
    expect(other.text()).toContain("<jid>alice@localhost/direct-tls</jid>")
    other.destroy()
  })

  it("keeps the proxy's own address for a LOCAL header (health checks)", async () => {
    const check = await prefixedTcpClient(test.c2sPort, proxyV2LocalHeader())
    check.send(streamHeader)
    await check.waitFor("</stream:features>")
    check.destroy()
  })

  it("refuses a trusted proxy's connection that does not start with a header", async () => {
    const bare = await tcpClient(test.c2sPort, "127.0.0.1")
    bare.send(streamHeader)
    await bare.closed
    expect(bare.text()).toBe("")
    expect(test.events("proxy-header-refused").at(-1)).toMatchObject({ peer: "127.0.0.1" })
  })

  it("does not read a header from a peer that is not a trusted proxy", async () => {
    const spoofer = await prefixedTcpClient(
      test.c2sPort,
      proxyV2Header("198.51.100.99"),
      "127.0.0.2",
    )
    spoofer.send(streamHeader)
    await spoofer.closed
    expect(spoofer.text()).not.toContain("<stream:features")
    expect(spoofer.text()).toContain("<stream:error")
  })
})

describe("Forwarded headers on WebSocket", () => {
  const viaWebSocket = async (
    headers: Record<string, string>,
    localAddress = "127.0.0.1",
  ): Promise<RawClient> => {
    const client = await webSocketClient(test.websocketUrl, localAddress, headers)
    client.send(openFrame)
    return client
  }

  it("takes X-Forwarded-For from a trusted proxy: one client's failures do not lock out another", async () => {
    const guesser = await viaWebSocket({ "X-Forwarded-For": "198.51.100.20" })
    await guesser.waitFor("</stream:features>")
    await failThrice(guesser)
    // A client-written entry on the left is not believed: the rightmost untrusted one counts.
    const spoofing = await viaWebSocket({ "X-Forwarded-For": "192.0.2.1, 198.51.100.20" })
    await spoofing.closed
    expect(spoofing.text()).toMatch(refusedForFailures)

    const other = await viaWebSocket({ "X-Forwarded-For": "198.51.100.21, 10.1.2.3" })
    await other.waitFor("</stream:features>")
    other.send(plainAuth("alice", "secret"))
    await other.waitFor("<success")
    other.destroy()
  })

  it("takes RFC 7239 Forwarded, IPv6 and port included", async () => {
    const guesser = await viaWebSocket({ Forwarded: 'for="[2001:db8::7]:4711";proto=https' })
    await guesser.waitFor("</stream:features>")
    await failThrice(guesser)
    const again = await viaWebSocket({ Forwarded: 'for="[2001:db8::7]:5000"' })
    await again.closed
    expect(again.text()).toMatch(refusedForFailures)
    expect(test.events("auth-failed").map((event) => event.address)).toContain("2001:db8::7")
  })

  it("ignores the headers from a peer that is not a trusted proxy", async () => {
    const guesser = await viaWebSocket({ "X-Forwarded-For": "198.51.100.30" }, "127.0.0.2")
    await guesser.waitFor("</stream:features>")
    await failThrice(guesser)
    // Another claimed address does not help: the budget is the peer's own (127.0.0.2).
    const again = await viaWebSocket({ "X-Forwarded-For": "198.51.100.31" }, "127.0.0.2")
    await again.closed
    expect(again.text()).toMatch(refusedForFailures)
  })
})

describe('WebSocket with tls = "required"', () => {
  let strict: LimitsServer
  beforeAll(async () => {
    strict = await startLimitsServer({
      listen: {
        c2s: { tls: "required", allow_plain_without_tls: false },
        websocket: { trusted_proxies: ["127.0.0.1"] },
      },
    })
  })
  afterAll(async () => {
    await strict.stop()
  })

  const open = async (headers: Record<string, string>, localAddress = "127.0.0.1") => {
    const client = await webSocketClient(strict.websocketUrl, localAddress, headers)
    client.send(openFrame)
    await client.waitFor(/<\/stream:features>|<close/)
    return client.text()
  }

  it("accepts a connection a trusted proxy says came over TLS", async () => {
    expect(await open({ "X-Forwarded-Proto": "https" })).toContain("SCRAM-SHA-256")
    expect(await open({ Forwarded: "for=198.51.100.40;proto=https" })).toContain("SCRAM-SHA-256")
  })

  it("refuses plain ws:// and a proxy that does not say TLS, before offering SASL or registration", async () => {
    for (const text of [
      await open({}, "127.0.0.2"),
      await open({ "X-Forwarded-Proto": "https" }, "127.0.0.2"),
      await open({ "X-Forwarded-Proto": "http" }),
      await open({ "X-Forwarded-Proto": "https, http" }),
    ]) {
      expect(text).toContain("<policy-violation")
      expect(text).toContain("TLS is required")
      expect(text).not.toContain("<mechanism>")
    }
  })
})
