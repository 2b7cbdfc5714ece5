// AMP messages and XEP-0280 carbons: a message the AMP plugin delivered or stored gets the same
// carbons as any other message (`sent` to the sender's other resources, `received` to the
// recipient's), without the `<amp/>`; a message a rule stopped gets none.
import { afterAll, beforeAll, expect, it } from "vitest"
import { type XmlElement, xml } from "../../src/index.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { login, roundTrip } from "../offline/clients.js"
import { ampMessage, befriend, NS_AMP, replyTo, rule } from "./ampClients.js"

const NS_CARBONS = "urn:xmpp:carbons:2"
let test: TestServer
const clients: Array<TestClient> = []

beforeAll(async () => {
  test = await startTestServer({ config: { modules: { mam: { enabled: false } } } })
  for (const name of ["alice", "bob", "dave"]) await test.addUser(name, `${name}-pass`)
  await befriend(test, "alice", "bob")
  await befriend(test, "alice", "dave")
})
afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop()))
  await test.stop()
})

const online = async (username: string, resource: string) => {
  const client = await login(test, username, resource)
  clients.push(client)
  await client.iq(xml("iq", { type: "set" }, xml("enable", { xmlns: NS_CARBONS })))
  return client
}

/** The message forwarded in the `kind` carbon with this id that reached `client`. */
const carbonCopy = (client: TestClient, kind: "sent" | "received", id: string) =>
  client
    .waitFor(
      (stanza) =>
        stanza.getChild(kind, NS_CARBONS)?.getChild("forwarded")?.getChild("message")?.attrs.id ===
        id,
    )
    .then((stanza) => stanza.getChild(kind, NS_CARBONS)?.getChild("forwarded")?.getChild("message"))

const carbonsWithId = (client: TestClient, id: string): Array<XmlElement> =>
  client.received.filter((stanza) =>
    ["sent", "received"].some(
      (kind) =>
        stanza.getChild(kind, NS_CARBONS)?.getChild("forwarded")?.getChild("message")?.attrs.id ===
        id,
    ),
  )

it("copies a delivered AMP message to both accounts' other resources, without the <amp/>", async () => {
  const desk = await online("alice", "desk")
  const phone = await online("alice", "phone")
  const bob = await online("bob", "b")
  const tablet = await online("bob", "tablet")
  await desk.send(ampMessage("bob@localhost/b", "amp-c1", [rule("deliver", "direct", "notify")]))
  const delivered = await bob.waitFor((stanza) => stanza.attrs.id === "amp-c1")
  expect(delivered.getChild("amp", NS_AMP)).toBeUndefined()
  expect((await replyTo(desk, "amp-c1")).getChild("amp", NS_AMP)?.attrs.status).toBe("notify")
  const sent = await carbonCopy(phone, "sent", "amp-c1")
  expect(sent?.getChildText("body")).toBe("body of amp-c1")
  expect(sent?.getChild("amp", NS_AMP)).toBeUndefined()
  const received = await carbonCopy(tablet, "received", "amp-c1")
  expect(received?.attrs.from).toBe("alice@localhost/desk")
  expect(received?.getChild("amp", NS_AMP)).toBeUndefined()
  // Nobody gets a carbon of what it sent or received itself.
  await roundTrip(desk)
  await roundTrip(bob)
  expect(carbonsWithId(desk, "amp-c1")).toEqual([])
  expect(carbonsWithId(bob, "amp-c1")).toEqual([])
})

it("copies a stored AMP message to the sender's other resources", async () => {
  const desk = clients[0] as TestClient
  const phone = clients[1] as TestClient
  await desk.send(ampMessage("dave@localhost", "amp-c2", [rule("deliver", "stored", "notify")]))
  expect((await replyTo(desk, "amp-c2")).getChild("amp", NS_AMP)?.attrs.status).toBe("notify")
  const sent = await carbonCopy(phone, "sent", "amp-c2")
  expect(sent?.getChild("amp", NS_AMP)).toBeUndefined()
})

it("sends no carbons of a message a rule stopped", async () => {
  const [desk, phone, bob, tablet] = clients as [TestClient, TestClient, TestClient, TestClient]
  await desk.send(ampMessage("bob@localhost/b", "amp-c3", [rule("deliver", "direct", "alert")]))
  expect((await replyTo(desk, "amp-c3")).getChild("amp", NS_AMP)?.attrs.status).toBe("alert")
  // A plain message after it: once its carbons arrived, any carbon of amp-c3 would have too.
  await desk.send(
    xml(
      "message",
      { to: "bob@localhost/b", id: "after-c3", type: "chat" },
      xml("body", {}, "after"),
    ),
  )
  await carbonCopy(phone, "sent", "after-c3")
  await carbonCopy(tablet, "received", "after-c3")
  for (const client of [desk, phone, bob, tablet])
    expect(carbonsWithId(client, "amp-c3")).toEqual([])
  expect(bob.received.filter((stanza) => stanza.attrs.id === "amp-c3")).toEqual([])
})
