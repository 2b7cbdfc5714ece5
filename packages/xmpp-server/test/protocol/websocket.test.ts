// RFC 7395 framing over a raw WebSocket: the `xmpp` subprotocol is required, `<open/>` is
// answered with `<open/>` and features, and errors come as `<stream:error/>` then `<close/>`.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { WebSocket } from "ws"
import { startTestServer, type TestServer, tlsProxyHeaders } from "../helpers/testServer.js"

let test: TestServer
beforeAll(async () => {
  test = await startTestServer()
})
afterAll(async () => {
  await test.stop()
})

const open = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>"

/** Connects, sends `frames` in order, collects messages until the socket closes. */
const exchange = (frames: ReadonlyArray<string>, protocols: Array<string> = ["xmpp"]) =>
  new Promise<{ messages: Array<string>; code: number }>((resolve, reject) => {
    const socket = new WebSocket(test.websocketUrl, protocols, { headers: tlsProxyHeaders })
    const messages: Array<string> = []
    socket.on("open", () => {
      for (const frame of frames) socket.send(frame)
    })
    socket.on("message", (data) => messages.push(data.toString()))
    socket.on("close", (code) => resolve({ messages, code }))
    socket.on("error", reject)
    setTimeout(() => socket.close(), 3000)
  })

describe("XMPP over WebSocket", () => {
  it("refuses a connection without the xmpp subprotocol", async () => {
    const { code, messages } = await exchange([open], [])
    expect(code).toBe(1002)
    expect(messages).toEqual([])
  })

  it("answers <open/> with <open/> and SASL features, one element per message", async () => {
    const { messages } = await exchange([
      open,
      "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>",
    ])
    expect(messages[0]).toMatch(
      /^<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' id='[^']+' from='localhost' version='1.0' xml:lang='en'\/>$/,
    )
    expect(messages[1]).toContain("<mechanism>SCRAM-SHA-256</mechanism>")
    expect(messages[1]).toContain("<mechanism>SCRAM-SHA-1</mechanism>")
    // The test's TLS proxy says the client used TLS, so PLAIN is offered as on any TLS stream.
    expect(messages[1]).toContain("<mechanism>PLAIN</mechanism>")
    expect(messages.at(-1)).toBe("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>")
  })

  it("ends with <stream:error/> then <close/> on malformed XML", async () => {
    const { messages } = await exchange([open, "<message><body>x</bdy></message>"])
    const error = messages.find((message) => message.startsWith("<stream:error"))
    expect(error).toContain("<not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>")
    expect(messages.at(-1)).toBe("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>")
  })

  it("requires <open/> first", async () => {
    const { messages } = await exchange(["<message xmlns='jabber:client'/>"])
    expect(messages.join("")).toContain("<bad-format xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>")
  })
})
