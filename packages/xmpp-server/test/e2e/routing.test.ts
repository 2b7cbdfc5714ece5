// RFC 6121 §8.5 message and IQ routing, end to end with @xmpp/client: bare JIDs go to the
// available resources of highest non-negative priority, absent full JIDs fall back to the
// bare JID for chat/normal, and undeliverable stanzas bounce with the right error (never an
// error for an error).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type XmlElement, xml } from "../../src/index.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import { connectClient, type TestClient } from "../helpers/xmppClient.js"

let test: TestServer
const clients: Array<TestClient> = []

beforeAll(async () => {
  // Plain RFC 6121 routing: without offline storage and archive, nothing keeps a message.
  test = await startTestServer({
    config: {
      server: { max_sessions_per_user: 50 },
      modules: { offline: { enabled: false }, mam: { enabled: false } },
    },
  })
  for (const name of ["alice", "bob", "carol", "dave"]) await test.addUser(name, `${name}-pass`)
})
afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop()))
  await test.stop()
})

/** Logs in with PLAIN (over STARTTLS) and sends initial presence with `priority`. */
const online = async (
  username: string,
  resource: string,
  priority?: number,
): Promise<TestClient> => {
  const client = await connectClient({
    service: `xmpp://127.0.0.1:${test.c2sPort}`,
    domain: "localhost",
    username,
    password: `${username}-pass`,
    resource,
    mechanism: "PLAIN",
  })
  clients.push(client)
  if (priority !== undefined) {
    await client.send(xml("presence", {}, xml("priority", {}, String(priority))))
    await client.waitFor((stanza) => stanza.is("presence") && stanza.attrs.from === client.jid)
  }
  return client
}

const chat = (to: string, id: string, body: string, type = "chat"): XmlElement =>
  xml("message", { to, type, id }, xml("body", {}, body))

const withBody = (body: string) => (stanza: XmlElement) => stanza.getChildText("body") === body
const bodies = (client: TestClient): Array<string | null> =>
  client.received
    .filter((stanza) => stanza.is("message"))
    .map((stanza) => stanza.getChildText("body"))
const errorOf = (id: string) => (stanza: XmlElement) =>
  stanza.attrs.id === id && stanza.attrs.type === "error"
const condition = (stanza: XmlElement): string | undefined =>
  stanza.getChild("error")?.getChildElements()[0]?.name

/** A round trip through the server, so that anything sent before it has been processed. */
const roundTrip = (client: TestClient) =>
  client.iq(xml("iq", { type: "get", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })))

describe("messages to a bare JID (RFC 6121 §8.5.2.1.1)", () => {
  it("go only to the resources with the highest priority", async () => {
    const high = await online("bob", "high", 5)
    const low = await online("bob", "low", 1)
    const alice = await online("alice", "a", 0)
    await alice.send(chat("bob@localhost", "p1", "to the highest"))
    await high.waitFor(withBody("to the highest"))
    await alice.send(chat("bob@localhost/low", "p2", "direct to low"))
    await low.waitFor(withBody("direct to low"))
    expect(bodies(low)).toEqual(["direct to low"])
  })

  it("go to every resource sharing the highest priority", async () => {
    const one = await online("dave", "one", 2)
    const two = await online("dave", "two", 2)
    const alice = await online("alice", "b", 0)
    await alice.send(chat("dave@localhost", "e1", "to both"))
    await one.waitFor(withBody("to both"))
    await two.waitFor(withBody("to both"))
  })

  it("skip resources with negative priority and bounce service-unavailable when none is left", async () => {
    const hidden = await online("carol", "neg", -1)
    const alice = await online("alice", "c", 0)
    await alice.send(chat("carol@localhost", "n1", "nobody to take it"))
    const bounce = await alice.waitFor(errorOf("n1"))
    expect(condition(bounce)).toBe("service-unavailable")
    expect(bounce.attrs.from).toBe("carol@localhost")
    await alice.send(chat("carol@localhost/neg", "n2", "full JID still works"))
    await hidden.waitFor(withBody("full JID still works"))
    expect(bodies(hidden)).toEqual(["full JID still works"])
  })
})

describe("headlines and messages without a recipient", () => {
  it("deliver a headline to a bare JID to every non-negative resource", async () => {
    const alice = await online("alice", "hl", 0)
    const one = clients.find((client) => client.jid === "dave@localhost/one") as TestClient
    const two = clients.find((client) => client.jid === "dave@localhost/two") as TestClient
    const high = clients.find((client) => client.jid === "bob@localhost/high") as TestClient
    const low = clients.find((client) => client.jid === "bob@localhost/low") as TestClient
    await alice.send(chat("dave@localhost", "hd1", "news for dave", "headline"))
    await one.waitFor(withBody("news for dave"))
    await two.waitFor(withBody("news for dave"))
    await alice.send(chat("bob@localhost", "hb1", "news for bob", "headline"))
    await high.waitFor(withBody("news for bob"))
    await low.waitFor(withBody("news for bob"))
  })

  it("deliver a message without 'to' to the sender's own account", async () => {
    const one = clients.find((client) => client.jid === "dave@localhost/one") as TestClient
    const two = clients.find((client) => client.jid === "dave@localhost/two") as TestClient
    await one.send(xml("message", { type: "chat", id: "self1" }, xml("body", {}, "note to self")))
    const got = await two.waitFor(withBody("note to self"))
    expect(got.attrs.from).toBe("dave@localhost/one")
  })
})

describe("messages to a full JID (RFC 6121 §8.5.3.2)", () => {
  it("handle a chat to an absent resource as if sent to the bare JID", async () => {
    const alice = await online("alice", "d", 0)
    const high = clients.find((client) => client.jid === "bob@localhost/high") as TestClient
    await alice.send(chat("bob@localhost/gone", "f1", "fallback to bare"))
    await high.waitFor(withBody("fallback to bare"))
  })

  it("bounce an IQ to an absent resource with service-unavailable", async () => {
    const alice = await online("alice", "e", 0)
    await expect(
      alice.iq(
        xml(
          "iq",
          { type: "get", to: "bob@localhost/gone" },
          xml("ping", { xmlns: "urn:xmpp:ping" }),
        ),
      ),
    ).rejects.toThrow(/service-unavailable/)
  })

  it("route an IQ to an online full JID and its result back", async () => {
    const alice = await online("alice", "f", 0)
    const reply = await alice.iq(
      xml("iq", { type: "get", to: "bob@localhost/high" }, xml("ping", { xmlns: "urn:xmpp:ping" })),
    )
    expect(reply.attrs.from).toBe("bob@localhost/high")
  })
})

describe("bounces", () => {
  it("answer a message to an unknown local user with service-unavailable", async () => {
    const alice = await online("alice", "g", 0)
    await alice.send(chat("nobody@localhost", "u1", "hello?"))
    const bounce = await alice.waitFor(errorOf("u1"))
    expect(condition(bounce)).toBe("service-unavailable")
    expect(bounce.getChild("error")?.attrs.type).toBe("cancel")
  })

  it("answer a message to another domain with remote-server-not-found", async () => {
    const alice = await online("alice", "h", 0)
    await alice.send(chat("someone@example.org", "r1", "far away"))
    const bounce = await alice.waitFor(errorOf("r1"))
    expect(condition(bounce)).toBe("remote-server-not-found")
    await expect(
      alice.iq(
        xml("iq", { type: "get", to: "example.org" }, xml("ping", { xmlns: "urn:xmpp:ping" })),
      ),
    ).rejects.toThrow(/remote-server-not-found/)
  })

  it("never answer an error with an error", async () => {
    const alice = await online("alice", "i", 0)
    await alice.send(
      xml(
        "message",
        { to: "nobody@localhost", type: "error", id: "x1" },
        xml("error", { type: "cancel" }),
      ),
    )
    await alice.send(chat("nobody@localhost", "x2", "second"))
    await alice.waitFor(errorOf("x2"))
    expect(alice.received.filter(errorOf("x1"))).toEqual([])
  })

  it("answer a groupchat message to a user with service-unavailable", async () => {
    const alice = await online("alice", "j", 0)
    await alice.send(chat("bob@localhost", "g1", "wrong type", "groupchat"))
    const bounce = await alice.waitFor(errorOf("g1"))
    expect(condition(bounce)).toBe("service-unavailable")
  })

  it("drop a headline nobody can take, silently", async () => {
    const alice = await online("alice", "k", 0)
    await alice.send(chat("carol@localhost", "h1", "news", "headline"))
    await roundTrip(alice)
    await alice.send(chat("carol@localhost", "h2", "chat"))
    await alice.waitFor(errorOf("h2"))
    expect(alice.received.filter(errorOf("h1"))).toEqual([])
  })

  it("answer a malformed recipient with jid-malformed", async () => {
    const alice = await online("alice", "l", 0)
    await alice.send(chat("bad@@localhost", "j1", "?"))
    const bounce = await alice.waitFor(errorOf("j1"))
    expect(condition(bounce)).toBe("jid-malformed")
  })
})
