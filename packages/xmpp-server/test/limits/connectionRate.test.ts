// Per-address connection limits ([limits] connections_per_ip, connection_window_seconds,
// unauthenticated_per_ip): the connection over the limit gets a `policy-violation` stream
// error (over TCP and WebSocket) or is closed before the TLS handshake (direct TLS); other
// addresses are not affected; the refusals are logged once per address and window.
// 127.0.0.x addresses are distinct source addresses on loopback, one per test.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  type LimitsServer,
  loginOn,
  type RawClient,
  startLimitsServer,
  streamError,
  streamHeader,
  tcpClient,
  tlsClient,
  webSocketClient,
} from "./limitsServer.js"

const features = "</stream:features>"

/** Opens a TCP stream from `address` and waits for the features (admitted) or the close. */
const tcpStream = async (port: number, address: string): Promise<RawClient> => {
  const client = await tcpClient(port, address)
  client.send(streamHeader)
  await Promise.race([client.waitFor(features), client.closed])
  return client
}

/** Tries `attempt` until it is admitted (bounded: 50 tries, 100 ms apart). */
const eventuallyAdmitted = async (attempt: () => Promise<RawClient>): Promise<RawClient> => {
  for (let tries = 0; tries < 50; tries++) {
    const client = await attempt()
    if (client.text().includes(features)) return client
    client.destroy()
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error("never admitted")
}

describe("new connections per address and window", () => {
  let test: LimitsServer
  const open: Array<RawClient> = []
  beforeAll(async () => {
    test = await startLimitsServer({
      limits: { connections_per_ip: 3, connection_window_seconds: 2, unauthenticated_per_ip: 0 },
    })
  })
  afterAll(async () => {
    for (const client of open) client.destroy()
    await test.stop()
  })

  it("refuses the fourth TCP connection with policy-violation, logs once, admits again after the window", async () => {
    const address = "127.0.0.11"
    for (let index = 0; index < 3; index++) {
      const client = await tcpStream(test.c2sPort, address)
      expect(client.text()).toContain(features)
      open.push(client)
    }
    for (let index = 0; index < 3; index++) {
      const refused = await tcpClient(test.c2sPort, address)
      await refused.waitFor(streamError("policy-violation"))
      await refused.closed
      expect(refused.text()).toMatch(/^<\?xml version='1.0'\?><stream:stream /)
      expect(refused.text()).toContain("too many new connections from your address")
      expect(refused.text()).toMatch(/<\/stream:stream>$/)
    }
    const other = await tcpStream(test.c2sPort, "127.0.0.12")
    expect(other.text()).toContain(features)
    open.push(other)
    expect(test.events("connections-refused")).toEqual([
      expect.objectContaining({
        address,
        reason: "connection-rate",
        connections_per_ip: 3,
        window_seconds: 2,
      }),
    ])

    open.push(await eventuallyAdmitted(() => tcpStream(test.c2sPort, address)))
    // One summary for the window that ended (its count includes the retries above).
    const summaries = test.events("connections-refused-in-window")
    expect(summaries).toEqual([expect.objectContaining({ address, window_seconds: 2 })])
    expect(summaries[0]?.refused).toBeGreaterThanOrEqual(3)
  })

  it("refuses over WebSocket with <open/>, the stream error and <close/>", async () => {
    const address = "127.0.0.13"
    for (let index = 0; index < 3; index++)
      open.push(await webSocketClient(test.websocketUrl, address))
    const refused = await webSocketClient(test.websocketUrl, address)
    await refused.waitFor(streamError("policy-violation"))
    await refused.closed
    expect(refused.text()).toMatch(/^<open [^>]*\/><stream:error/)
    expect(refused.text()).toMatch(/<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'\/>$/)
  })

  it("closes the connection over direct TLS before the handshake", async () => {
    const address = "127.0.0.14"
    for (let index = 0; index < 3; index++) open.push(await tlsClient(test.directTlsPort, address))
    await expect(tlsClient(test.directTlsPort, address)).rejects.toThrow()
  })
})

describe("unauthenticated connections per address", () => {
  let test: LimitsServer
  beforeAll(async () => {
    test = await startLimitsServer({
      limits: { connections_per_ip: 0, unauthenticated_per_ip: 2 },
    })
    await test.addUser("alice")
  })
  afterAll(async () => {
    await test.stop()
  })

  it("refuses a third unauthenticated connection until one authenticates or closes", async () => {
    const address = "127.0.0.21"
    const first = await tcpStream(test.c2sPort, address)
    const second = await tlsClient(test.directTlsPort, address)
    const refused = await tcpClient(test.c2sPort, address)
    await refused.waitFor(streamError("policy-violation"))
    await refused.closed
    expect(refused.text()).toContain("too many unauthenticated connections from your address")
    expect(test.events("connections-refused")).toEqual([
      expect.objectContaining({ address, reason: "unauthenticated-connections" }),
    ])
    const elsewhere = await tcpStream(test.c2sPort, "127.0.0.22")
    expect(elsewhere.text()).toContain(features)

    second.destroy()
    const third = await eventuallyAdmitted(() => tcpStream(test.c2sPort, address))
    // A bound session no longer counts: with it, two more may wait unauthenticated.
    first.destroy()
    const bound = await loginOn(
      await eventuallyAdmitted(() => tcpStream(test.c2sPort, address)),
      "alice",
      "bound",
    )
    const fourth = await tcpStream(test.c2sPort, address)
    expect(fourth.text()).toContain(features)
    for (const client of [third, bound, fourth, elsewhere]) client.destroy()
  })
})
