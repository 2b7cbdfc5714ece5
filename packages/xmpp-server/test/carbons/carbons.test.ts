// XEP-0280 message carbons end to end with @xmpp/client: a resource that enabled carbons gets
// `<received/>` copies of messages delivered to its other resources and `<sent/>` copies of
// what they send, forwarded from the account's bare JID; `<private/>` messages and disabled
// resources get none; the feature is advertised.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type XmlElement, xml } from "../../src/index.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { chat, login, pause, roundTrip } from "../offline/clients.js"

const NS_CARBONS = "urn:xmpp:carbons:2"
let test: TestServer
const clients: Array<TestClient> = []

beforeAll(async () => {
  test = await startTestServer()
  for (const name of ["alice", "bob", "carol"]) await test.addUser(name, `${name}-pass`)
})
afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop()))
  await test.stop()
})

const online = async (username: string, resource: string, priority = 0) => {
  const client = await login(test, username, resource, priority)
  clients.push(client)
  return client
}

const enable = (client: TestClient, on = true) =>
  client.iq(xml("iq", { type: "set" }, xml(on ? "enable" : "disable", { xmlns: NS_CARBONS })))

const carbonOf = (kind: "received" | "sent", body: string) => (stanza: XmlElement) =>
  stanza
    .getChild(kind, NS_CARBONS)
    ?.getChild("forwarded")
    ?.getChild("message")
    ?.getChildText("body") === body

const carbons = (client: TestClient) =>
  client.received.filter(
    (stanza) =>
      stanza.getChild("received", NS_CARBONS) !== undefined ||
      stanza.getChild("sent", NS_CARBONS) !== undefined,
  )

describe("carbons", () => {
  it("copies received and sent messages to resources that enabled carbons", async () => {
    const desk = await online("alice", "desk", 5)
    const phone = await online("alice", "phone", 1)
    await enable(phone)
    const bob = await online("bob", "b")
    await bob.send(chat("alice@localhost", "r1", "to the bare jid"))
    await desk.waitFor((stanza) => stanza.getChildText("body") === "to the bare jid")
    const received = await phone.waitFor(carbonOf("received", "to the bare jid"))
    expect(received.attrs.from).toBe("alice@localhost")
    expect(received.attrs.to).toBe("alice@localhost/phone")
    const inner = received.getChild("received")?.getChild("forwarded")?.getChild("message")
    expect(inner?.attrs.from).toBe("bob@localhost/b")
    await desk.send(chat("bob@localhost", "s1", "from the desk"))
    await bob.waitFor((stanza) => stanza.getChildText("body") === "from the desk")
    const sent = await phone.waitFor(carbonOf("sent", "from the desk"))
    expect(sent.getChild("sent")?.getChild("forwarded")?.getChild("message")?.attrs.to).toBe(
      "bob@localhost",
    )
    expect(carbons(desk)).toEqual([])
  })

  it("skips private messages and resources that disabled carbons", async () => {
    const main = await online("carol", "main", 5)
    const other = await online("carol", "other", 1)
    await enable(other)
    const bob = await online("bob", "b2")
    await bob.send(chat("carol@localhost", "p1", "private", xml("private", { xmlns: NS_CARBONS })))
    await main.waitFor((stanza) => stanza.getChildText("body") === "private")
    await enable(other, false)
    await bob.send(chat("carol@localhost", "p2", "after disable"))
    await main.waitFor((stanza) => stanza.getChildText("body") === "after disable")
    await roundTrip(other)
    await pause(100)
    expect(carbons(other)).toEqual([])
  })

  it("advertises urn:xmpp:carbons:2", async () => {
    const bob = await online("bob", "b3")
    const info = await bob.iq(
      xml(
        "iq",
        { type: "get", to: "localhost" },
        xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }),
      ),
    )
    const features = info
      .getChild("query")
      ?.getChildren("feature")
      .map((feature) => feature.attrs.var)
    expect(features).toContain(NS_CARBONS)
  })
})
