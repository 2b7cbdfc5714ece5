// XEP-0198 with @xmpp/client (which enables stream management with resumption by itself):
// the client's TCP connection is cut from the client side while messages keep coming; the
// library reconnects, resumes the session (no new login, same full JID) and every message
// arrives exactly once, in order.
// @ts-expect-error: @xmpp/client ships no type declarations.
import { client as makeClient } from "@xmpp/client"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ServerModule, type XmlElement, xml } from "../../src/index.js"
import { rawLogin } from "../helpers/rawSocket.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import "../helpers/xmppClient.js"
import { chat } from "./smRaw.js"

interface RawClient {
  jid: { toString(): string }
  /** A net.Socket, or (after STARTTLS) @xmpp/tls's wrapper holding the TLS socket. */
  socket: { destroy?: () => void; socket?: { destroy(): void } } | null
  on(event: string, listener: (value: never) => void): void
  start(): Promise<unknown>
  stop(): Promise<unknown>
  send(stanza: XmlElement): Promise<void>
  streamManagement: { on(event: string, listener: () => void): void; id: string }
  reconnect: { delay: number }
}

const events: Array<string> = []
const recorder: ServerModule = {
  name: "sm_recorder",
  setup: () => ({
    hibernated: (session) => events.push(`hibernated ${session.full}`),
    resumed: (session) => events.push(`resumed ${session.full}`),
  }),
}

let test: TestServer
beforeAll(async () => {
  test = await startTestServer({
    config: { listen: { c2s: { tls: "optional", allow_plain_without_tls: true } } },
    modules: [recorder],
  })
  await test.addUser("alice", "alice-pass")
  await test.addUser("bob", "bob-pass")
})
afterAll(async () => {
  await test.stop()
})

describe("XEP-0198 resumption with @xmpp/client", () => {
  it("resumes after the client's TCP connection drops; nothing lost or duplicated", async () => {
    const alice: RawClient = makeClient({
      service: `xmpp://127.0.0.1:${test.c2sPort}`,
      domain: "localhost",
      resource: "laptop",
      username: "alice",
      password: "alice-pass",
    })
    alice.reconnect.delay = 100
    const bodies: Array<string> = []
    alice.on("stanza", (stanza: never) => {
      const body = (stanza as XmlElement).getChildText("body")
      if (body !== null) bodies.push(body)
    })
    alice.on("error", () => undefined)
    const resumed = new Promise<void>((resolve) => alice.streamManagement.on("resumed", resolve))
    await alice.start()
    await alice.send(xml("presence"))
    await expect.poll(() => alice.streamManagement.id).not.toBe("")
    const bob = await rawLogin(test.c2sPort, "localhost", "bob", "bob-pass", "pc")
    for (let index = 1; index <= 5; index++) bob.send(chat("alice@localhost/laptop", `a${index}`))
    await expect.poll(() => bodies.length).toBe(5)

    const socket = alice.socket
    if (socket?.destroy !== undefined) socket.destroy()
    else socket?.socket?.destroy()
    await expect.poll(() => events).toContain("hibernated alice@localhost/laptop")
    for (let index = 6; index <= 10; index++) bob.send(chat("alice@localhost/laptop", `a${index}`))
    await resumed
    expect(events).toContain("resumed alice@localhost/laptop")
    for (let index = 11; index <= 12; index++) bob.send(chat("alice@localhost/laptop", `a${index}`))
    await expect.poll(() => bodies.length).toBe(12)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(bodies).toEqual(Array.from({ length: 12 }, (_, index) => `a${index + 1}`))
    expect(alice.jid.toString()).toBe("alice@localhost/laptop")
    await alice.stop()
    bob.destroy()
  })
})
