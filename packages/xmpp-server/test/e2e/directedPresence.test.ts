// Directed presence per session is bounded (issue 25, item 6): the server remembers every
// full JID a session sent directed presence to (RFC 6121 §4.6.3, to send unavailable at the
// end); past `[limits] max_directed_presences` (default 1000) the presence is not sent and the
// session gets `<policy-violation/>` (type `modify`); unavailable frees a slot; nothing else
// about the session changes.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type XmlElement, xml } from "../../src/index.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { chat, conditionOf, login, roundTrip } from "../offline/clients.js"

let test: TestServer
const clients: Array<TestClient> = []

beforeAll(async () => {
  test = await startTestServer()
  for (const name of ["alice", "bob"]) await test.addUser(name, `${name}-pass`)
})
afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop()))
  await test.stop()
})

const online = async (username: string, resource: string) => {
  const client = await login(test, username, resource, 0)
  clients.push(client)
  return client
}

const presenceErrors = (client: TestClient): Array<XmlElement> =>
  client.received.filter((stanza) => stanza.is("presence") && stanza.attrs.type === "error")

describe("directed presence limit", () => {
  it("refuses the 1001st target with policy-violation; unavailable frees a slot; the session goes on", async () => {
    const alice = await online("alice", "desk")
    const bob = await online("bob", "watcher")
    for (let index = 0; index < 999; index++)
      await alice.send(xml("presence", { to: `bob@localhost/r${index}` }))
    await alice.send(xml("presence", { to: "bob@localhost/watcher" }))
    await roundTrip(alice)
    expect(presenceErrors(alice)).toEqual([])
    await bob.waitFor((stanza) => stanza.is("presence") && stanza.attrs.from === alice.jid)

    await alice.send(xml("presence", { to: "bob@localhost/one-too-many" }))
    const refused = await alice.waitFor(
      (stanza) => stanza.is("presence") && stanza.attrs.type === "error",
    )
    expect(refused.attrs.from).toBe("bob@localhost/one-too-many")
    expect(conditionOf(refused)).toBe("policy-violation")
    expect(refused.getChild("error")?.attrs.type).toBe("modify")
    expect(refused.getChild("error")?.getChildText("text")).toContain("max_directed_presences")

    // A target already tracked is no new one; unavailable to another frees its slot.
    await alice.send(xml("presence", { to: "bob@localhost/watcher" }))
    await alice.send(xml("presence", { to: "bob@localhost/r0", type: "unavailable" }))
    await alice.send(xml("presence", { to: "bob@localhost/one-too-many" }))
    await roundTrip(alice)
    expect(presenceErrors(alice)).toHaveLength(1)

    // Messages and broadcasts still work; the tracked watcher gets unavailable at the end.
    await alice.send(chat("bob@localhost/watcher", "m1", "still here"))
    await bob.waitFor((stanza) => stanza.getChildText("body") === "still here")
    await alice.stop()
    await bob.waitFor(
      (stanza) =>
        stanza.is("presence") &&
        stanza.attrs.from === alice.jid &&
        stanza.attrs.type === "unavailable",
    )
  }, 60_000)
})
