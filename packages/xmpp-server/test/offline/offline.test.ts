// XEP-0160 offline messages end to end with @xmpp/client: messages to a user without an
// available resource are stored, delivered in order with a XEP-0203 delay stamp on the next
// initial presence (not before it, not with a negative priority), removed once delivered,
// kept across a restart; the per-user quota bounces `resource-constraint`.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type XmlElement, xml } from "../../src/index.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { available, bodies, chat, conditionOf, login, pause, roundTrip } from "./clients.js"

let test: TestServer
const clients: Array<TestClient> = []

beforeAll(async () => {
  test = await startTestServer({
    config: { modules: { offline: { max_messages_per_user: 3 }, mam: { enabled: false } } },
  })
  for (const name of ["alice", "bob", "carol", "dave", "erin", "frank"])
    await test.addUser(name, `${name}-pass`)
})
afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop()))
  await test.stop()
})

const online = async (username: string, resource: string, priority?: number) => {
  const client = await login(test, username, resource, priority)
  clients.push(client)
  return client
}

const delayOf = (stanza: XmlElement) => stanza.getChild("delay", "urn:xmpp:delay")

describe("offline storage", () => {
  it("stores messages for a user with no available resource and delivers them in order with a delay stamp", async () => {
    const alice = await online("alice", "desk", 0)
    const before = Date.now()
    for (const [index, body] of ["one", "two", "three"].entries())
      await alice.send(chat("bob@localhost", `m${index}`, body))
    await roundTrip(alice)
    expect(alice.received.filter((stanza) => stanza.attrs.type === "error")).toEqual([])
    const bob = await online("bob", "phone")
    await roundTrip(bob)
    expect(bodies(bob)).toEqual([])
    await available(bob)
    await bob.waitFor((stanza) => stanza.getChildText("body") === "three")
    expect(bodies(bob)).toEqual(["one", "two", "three"])
    const first = bob.received.find((stanza) => stanza.getChildText("body") === "one")
    const delay = first === undefined ? undefined : delayOf(first)
    expect(delay?.attrs.from).toBe("localhost")
    expect(Date.parse(delay?.attrs.stamp ?? "")).toBeGreaterThanOrEqual(before - 1000)
    expect(first?.attrs.from).toBe("alice@localhost/desk")
    expect(first?.attrs.id).toBe("m0")
  })

  it("removes delivered messages: the next login gets nothing again", async () => {
    const alice = await online("alice", "desk2", 0)
    await alice.send(chat("carol@localhost", "c1", "once"))
    await roundTrip(alice)
    const first = await online("carol", "a", 0)
    await first.waitFor((stanza) => stanza.getChildText("body") === "once")
    await first.stop()
    const second = await online("carol", "b", 0)
    await roundTrip(second)
    await pause(100)
    expect(bodies(second)).toEqual([])
  })

  it("does not deliver on presence with a negative priority, but once the priority is raised", async () => {
    const alice = await online("alice", "desk3", 0)
    await alice.send(chat("dave@localhost", "d1", "later"))
    await roundTrip(alice)
    const hidden = await online("dave", "hidden", -1)
    await roundTrip(hidden)
    await pause(100)
    expect(bodies(hidden)).toEqual([])
    await available(hidden, 2)
    await hidden.waitFor((stanza) => stanza.getChildText("body") === "later")
  })

  it("bounces resource-constraint (wait) once the user's quota is full", async () => {
    const alice = await online("alice", "desk4", 0)
    for (const id of ["q1", "q2", "q3", "q4"]) await alice.send(chat("erin@localhost", id, id))
    const bounce = await alice.waitFor(
      (stanza) => stanza.attrs.id === "q4" && stanza.attrs.type === "error",
    )
    expect(conditionOf(bounce)).toBe("resource-constraint")
    expect(bounce.getChild("error")?.attrs.type).toBe("wait")
    expect(bounce.getChild("error")?.getChildText("text")).toContain("full")
    expect(alice.received.filter((stanza) => stanza.attrs.type === "error")).toHaveLength(1)
    const erin = await online("erin", "x", 0)
    await erin.waitFor((stanza) => stanza.getChildText("body") === "q3")
    expect(bodies(erin)).toEqual(["q1", "q2", "q3"])
  })

  it("does not store standalone chat states or no-store messages, and advertises msgoffline", async () => {
    const alice = await online("alice", "desk5", 0)
    await alice.send(
      xml(
        "message",
        { to: "frank@localhost", type: "chat", id: "cs" },
        xml("composing", { xmlns: "http://jabber.org/protocol/chatstates" }),
      ),
    )
    await alice.send(
      chat("frank@localhost", "ns", "secret", xml("no-store", { xmlns: "urn:xmpp:hints" })),
    )
    await alice.send(chat("frank@localhost", "ok", "kept"))
    await roundTrip(alice)
    const frank = await online("frank", "tablet", 0)
    await frank.waitFor((stanza) => stanza.getChildText("body") === "kept")
    await pause(100)
    expect(bodies(frank)).toEqual(["kept"])
    expect(frank.received.some((stanza) => stanza.getChild("composing") !== undefined)).toBe(false)
    const info = await alice.iq(
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
    expect(features).toContain("msgoffline")
  })
})
