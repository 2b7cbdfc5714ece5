// Interoperability with an independent client implementation (slixmpp, Python): two
// slixmpp users chat through the server, and a slixmpp user receives from @xmpp/client and
// sees its roster after a subscription made by the other client.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { xml } from "../../src/index.js"
import { runSlixmpp } from "../helpers/slixmpp.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import { connectClient } from "../helpers/xmppClient.js"

let test: TestServer
beforeAll(async () => {
  test = await startTestServer()
  for (const name of ["alice", "bob", "carol"]) await test.addUser(name, `${name}-pass`)
})
afterAll(async () => {
  await test.stop()
})

describe("slixmpp", () => {
  it("two slixmpp users chat through the server", async () => {
    const receiving = runSlixmpp({
      host: "127.0.0.1",
      port: test.c2sPort,
      jid: "bob@localhost/py",
      password: "bob-pass",
      expect_messages: 1,
      timeout: 15,
    })
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const sending = await runSlixmpp({
      host: "127.0.0.1",
      port: test.c2sPort,
      jid: "alice@localhost/py",
      password: "alice-pass",
      send: [{ to: "bob@localhost", body: "hello from slixmpp" }],
    })
    expect(sending.authenticated).toBe(true)
    const received = await receiving
    expect(received.messages).toEqual([
      { from: "alice@localhost/py", body: "hello from slixmpp", type: "chat" },
    ])
  })

  it("a slixmpp user approves a request an @xmpp/client user left while it was offline", async () => {
    const carol = await connectClient({
      service: `xmpp://127.0.0.1:${test.c2sPort}`,
      domain: "localhost",
      username: "carol",
      password: "carol-pass",
      resource: "js",
      mechanism: "PLAIN",
    })
    await carol.iq(xml("iq", { type: "get" }, xml("query", { xmlns: "jabber:iq:roster" })))
    await carol.send(xml("presence"))
    await carol.send(xml("presence", { to: "bob@localhost", type: "subscribe" }))
    const bob = runSlixmpp({
      host: "127.0.0.1",
      port: test.c2sPort,
      jid: "bob@localhost/py2",
      password: "bob-pass",
      roster: true,
      expect_messages: 1,
      timeout: 15,
    })
    await carol.waitFor(
      (stanza) => stanza.is("presence") && stanza.attrs.type === "subscribed",
      10_000,
    )
    await carol.waitFor(
      (stanza) => stanza.is("presence") && stanza.attrs.from === "bob@localhost/py2",
      10_000,
    )
    await carol.send(
      xml("message", { to: "bob@localhost", type: "chat", id: "js1" }, xml("body", {}, "from js")),
    )
    const result = await bob
    expect(result.messages).toEqual([{ from: "carol@localhost/js", body: "from js", type: "chat" }])
    expect(["from", "both"]).toContain(result.roster?.["carol@localhost"])
    await carol.stop()
  })
})
