// RFC 6121 §2 roster management and §3–§4 presence subscriptions, end to end: roster get,
// set, push and remove; a full subscribe/approve cycle in both directions with roster
// pushes and presence exchange; pending requests kept for offline users and delivered at
// login; unsubscribe; broadcast and unavailable on disconnect; directed presence.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type XmlElement, xml } from "../../src/index.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import { connectClient, type TestClient } from "../helpers/xmppClient.js"

const NS_ROSTER = "jabber:iq:roster"
let test: TestServer
const clients: Array<TestClient> = []

beforeAll(async () => {
  test = await startTestServer()
  for (const name of ["alice", "bob", "carol", "dave", "eve", "frank"])
    await test.addUser(name, `${name}-pass`)
})
afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop()))
  await test.stop()
})

const login = async (username: string, resource: string): Promise<TestClient> => {
  const client = await connectClient({
    service: `xmpp://127.0.0.1:${test.c2sPort}`,
    domain: "localhost",
    username,
    password: `${username}-pass`,
    resource,
    mechanism: "PLAIN",
  })
  clients.push(client)
  return client
}

const rosterGet = async (client: TestClient): Promise<Array<XmlElement>> => {
  const result = await client.iq(xml("iq", { type: "get" }, xml("query", { xmlns: NS_ROSTER })))
  return result.getChild("query", NS_ROSTER)?.getChildren("item") ?? []
}

const rosterSet = (client: TestClient, item: XmlElement) =>
  client.iq(xml("iq", { type: "set" }, xml("query", { xmlns: NS_ROSTER }, item)))

const push = (jid: string, check: (item: XmlElement) => boolean) => (stanza: XmlElement) => {
  const item =
    stanza.is("iq") && stanza.attrs.type === "set"
      ? stanza.getChild("query", NS_ROSTER)?.getChild("item")
      : undefined
  return item !== undefined && item.attrs.jid === jid && check(item)
}

const presenceFrom = (from: string, type?: string) => (stanza: XmlElement) =>
  stanza.is("presence") && stanza.attrs.from === from && stanza.attrs.type === type

const summary = (item: XmlElement | undefined) => ({
  jid: item?.attrs.jid,
  subscription: item?.attrs.subscription,
  ask: item?.attrs.ask,
})

describe("roster management (RFC 6121 §2)", () => {
  it("sets, pushes, gets and removes an item", async () => {
    const frank = await login("frank", "one")
    expect(await rosterGet(frank)).toEqual([])
    await rosterSet(
      frank,
      xml("item", { jid: "dave@localhost", name: "Dave" }, xml("group", {}, "Friends")),
    )
    const pushed = await frank.waitFor(push("dave@localhost", (item) => item.attrs.name === "Dave"))
    expect(pushed.getChild("query")?.getChild("item")?.getChildText("group")).toBe("Friends")
    const items = await rosterGet(frank)
    expect(items.map((item) => ({ ...summary(item), name: item.attrs.name }))).toEqual([
      { jid: "dave@localhost", subscription: "none", ask: undefined, name: "Dave" },
    ])
    await rosterSet(frank, xml("item", { jid: "dave@localhost", subscription: "remove" }))
    await frank.waitFor(push("dave@localhost", (item) => item.attrs.subscription === "remove"))
    expect(await rosterGet(frank)).toEqual([])
  })

  it("rejects an item without a bare JID and a removal of an unknown item", async () => {
    const frank = await login("frank", "two")
    await expect(rosterSet(frank, xml("item", { jid: "dave@localhost/phone" }))).rejects.toThrow(
      /bad-request/,
    )
    await expect(
      rosterSet(frank, xml("item", { jid: "x@localhost", subscription: "remove" })),
    ).rejects.toThrow(/item-not-found/)
  })

  it("refuses access to another user's roster", async () => {
    const frank = await login("frank", "three")
    await expect(
      frank.iq(
        xml("iq", { type: "get", to: "alice@localhost" }, xml("query", { xmlns: NS_ROSTER })),
      ),
    ).rejects.toThrow(/forbidden/)
  })
})

describe("presence subscriptions (RFC 6121 §3)", () => {
  it("runs subscribe → subscribed both ways, with pushes and presence", async () => {
    const alice = await login("alice", "home")
    const bob = await login("bob", "work")
    await rosterGet(alice)
    await rosterGet(bob)
    await bob.send(xml("presence"))
    await alice.send(xml("presence"))

    await alice.send(xml("presence", { to: "bob@localhost", type: "subscribe" }))
    await alice.waitFor(push("bob@localhost", (item) => item.attrs.ask === "subscribe"))
    const request = await bob.waitFor(presenceFrom("alice@localhost", "subscribe"))
    expect(request.attrs.to).toBe("bob@localhost")
    expect(
      summary((await rosterGet(bob)).find((item) => item.attrs.jid === "alice@localhost")),
    ).toEqual({
      jid: undefined,
      subscription: undefined,
      ask: undefined,
    })

    await bob.send(xml("presence", { to: "alice@localhost", type: "subscribed" }))
    await bob.waitFor(push("alice@localhost", (item) => item.attrs.subscription === "from"))
    await alice.waitFor(
      push(
        "bob@localhost",
        (item) => item.attrs.subscription === "to" && item.attrs.ask === undefined,
      ),
    )
    await alice.waitFor(presenceFrom("bob@localhost", "subscribed"))
    await alice.waitFor(presenceFrom("bob@localhost/work"))

    await bob.send(xml("presence", { to: "alice@localhost", type: "subscribe" }))
    await alice.waitFor(presenceFrom("bob@localhost", "subscribe"))
    await alice.send(xml("presence", { to: "bob@localhost", type: "subscribed" }))
    await alice.waitFor(push("bob@localhost", (item) => item.attrs.subscription === "both"))
    await bob.waitFor(push("alice@localhost", (item) => item.attrs.subscription === "both"))
    await bob.waitFor(presenceFrom("alice@localhost/home"))

    await alice.send(xml("presence", {}, xml("status", {}, "reading")))
    await bob.waitFor(
      (stanza) =>
        presenceFrom("alice@localhost/home")(stanza) && stanza.getChildText("status") === "reading",
    )
  })

  it("broadcasts unavailable to subscribers when a session ends", async () => {
    const bob = clients.find((client) => client.jid === "bob@localhost/work") as TestClient
    const alice2 = await login("alice", "laptop")
    await alice2.send(xml("presence"))
    await bob.waitFor(presenceFrom("alice@localhost/laptop"))
    await alice2.stop()
    await bob.waitFor(presenceFrom("alice@localhost/laptop", "unavailable"))
  })

  it("keeps a request for an offline user and delivers it after login", async () => {
    const dave = await login("dave", "d")
    await rosterGet(dave)
    await dave.send(xml("presence", { to: "carol@localhost", type: "subscribe" }))
    await dave.waitFor(push("carol@localhost", (item) => item.attrs.ask === "subscribe"))
    const carol = await login("carol", "c")
    expect(await rosterGet(carol)).toEqual([])
    await carol.send(xml("presence"))
    const request = await carol.waitFor(presenceFrom("dave@localhost", "subscribe"))
    expect(request.attrs.type).toBe("subscribe")
    await carol.send(xml("presence", { to: "dave@localhost", type: "unsubscribed" }))
    await dave.waitFor(
      push(
        "carol@localhost",
        (item) => item.attrs.subscription === "none" && item.attrs.ask === undefined,
      ),
    )
    expect(await rosterGet(carol)).toEqual([])
  })

  it("cancels with unsubscribe: the contact's presence turns unavailable", async () => {
    const alice = clients.find((client) => client.jid === "alice@localhost/home") as TestClient
    const bob = clients.find((client) => client.jid === "bob@localhost/work") as TestClient
    await alice.send(xml("presence", { to: "bob@localhost", type: "unsubscribe" }))
    await alice.waitFor(push("bob@localhost", (item) => item.attrs.subscription === "from"))
    await bob.waitFor(presenceFrom("alice@localhost", "unsubscribe"))
    await bob.waitFor(push("alice@localhost", (item) => item.attrs.subscription === "to"))
    await alice.waitFor(presenceFrom("bob@localhost/work", "unavailable"))
  })
})

describe("directed presence (RFC 6121 §4.6)", () => {
  it("reaches a non-contact and is followed by unavailable when the sender leaves", async () => {
    const bob = clients.find((client) => client.jid === "bob@localhost/work") as TestClient
    const eve = await login("eve", "e")
    await eve.send(xml("presence", { to: "bob@localhost/work" }))
    await bob.waitFor(presenceFrom("eve@localhost/e"))
    await eve.stop()
    await bob.waitFor(presenceFrom("eve@localhost/e", "unavailable"))
  })
})
