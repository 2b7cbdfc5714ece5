// RFC 6120 §4.9.3.4: a connection that has not authenticated and bound a resource within
// `auth_timeout_seconds` of its accept is closed, over every transport, whether it never says
// anything, trickles a byte at a time (slowloris), or stalls inside a TLS handshake or an
// HTTP upgrade. Sessions that did bind are left alone.
import { connect } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  type LimitsServer,
  openFrame,
  startLimitsServer,
  streamError,
  streamHeader,
  tcpClient,
  tcpLogin,
  tlsClient,
  webSocketClient,
} from "./limitsServer.js"

let test: LimitsServer
beforeAll(async () => {
  test = await startLimitsServer({ server: { auth_timeout_seconds: 1 } })
  await test.addUser("alice")
})
afterAll(async () => {
  await test.stop()
})

/** Writes `text` one character every 100 ms until the connection closes. */
const trickle = (send: (text: string) => void, closed: Promise<void>, text: string): void => {
  let index = 0
  const timer = setInterval(() => {
    if (index < text.length) send(text.charAt(index++))
  }, 100)
  void closed.then(() => clearInterval(timer))
}

/** Resolves when a plain socket to `port` is closed by the server. */
const silentSocketClosed = (port: number, prefix = ""): Promise<void> =>
  new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1")
    socket.on("error", () => undefined)
    socket.on("close", () => resolve())
    if (prefix !== "")
      socket.on("connect", () =>
        trickle((text) => socket.write(text), new Promise(() => undefined), prefix),
      )
  })

describe.concurrent("over TCP", () => {
  it("times out a connection that never sends a stream header", async () => {
    const client = await tcpClient(test.c2sPort)
    await client.waitFor(streamError("connection-timeout"))
    await client.closed
    expect(client.text()).toMatch(/^<\?xml version='1.0'\?><stream:stream /)
  })

  it("times out a slowloris that trickles its header a byte every 100 ms", async () => {
    const client = await tcpClient(test.c2sPort)
    trickle(client.send, client.closed, `${streamHeader}${" ".repeat(200)}`)
    await client.waitFor(streamError("connection-timeout"))
    await client.closed
  })

  it("times out a connection that asked for STARTTLS and never does the handshake", async () => {
    const client = await tcpClient(test.c2sPort)
    client.send(streamHeader)
    await client.waitFor("</stream:features>")
    client.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
    await client.waitFor("<proceed")
    await client.closed
  })

  it("leaves a bound session open past the timeout", async () => {
    const alice = await tcpLogin(test.c2sPort, "alice", "stays")
    const idle = await tcpClient(test.c2sPort)
    await idle.closed
    alice.send("<iq type='get' id='still'><ping xmlns='urn:xmpp:ping'/></iq>")
    await alice.waitFor('id="still"')
    expect(alice.text()).not.toContain("<stream:error")
    alice.destroy()
  })
})

describe.concurrent("over direct TLS", () => {
  it("closes a connection that never starts the TLS handshake", async () => {
    await silentSocketClosed(test.directTlsPort)
  })

  it("closes a connection that trickles its TLS handshake", async () => {
    await silentSocketClosed(
      test.directTlsPort,
      "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003",
    )
  })

  it("times out a connection that finished TLS but never authenticates", async () => {
    const client = await tlsClient(test.directTlsPort)
    client.send(streamHeader)
    await client.waitFor(streamError("connection-timeout"))
    await client.closed
  })
})

describe.concurrent("over WebSocket", () => {
  it("closes a connection that never sends its HTTP upgrade", async () => {
    await silentSocketClosed(test.websocketPort)
  })

  it("closes a connection that trickles its HTTP upgrade request", async () => {
    await silentSocketClosed(
      test.websocketPort,
      "GET /xmpp-websocket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n",
    )
  })

  it("times out a WebSocket that never sends <open/>", async () => {
    const client = await webSocketClient(test.websocketUrl)
    await client.waitFor(streamError("connection-timeout"))
    await client.closed
    expect(client.text()).toMatch(/^<open /)
  })

  it("times out a WebSocket that opened the stream but never authenticates", async () => {
    const client = await webSocketClient(test.websocketUrl)
    client.send(openFrame)
    await client.waitFor("</stream:features>")
    await client.waitFor(streamError("connection-timeout"))
    await client.closed
  })
})

describe("stopping", () => {
  it("does not wait for a direct TLS handshake that never comes", async () => {
    const server = await startLimitsServer({ server: { auth_timeout_seconds: 60 } })
    const closed = silentSocketClosed(server.directTlsPort)
    await new Promise((resolve) => setTimeout(resolve, 100))
    await server.stop()
    await closed
  })
})
