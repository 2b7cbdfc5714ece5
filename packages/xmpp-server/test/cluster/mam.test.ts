// spec/cluster.md guarantee 1, MAM: messages between alice on n1 and bob on n2 are in both
// users' archives (XEP-0313), each written once, and a query answers the same from either node.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type XmlElement, xml } from "../../src/index.js"
import { type LocalCluster, startLocalCluster } from "../helpers/localCluster.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { chat, pause } from "../offline/clients.js"

const NS_MAM = "urn:xmpp:mam:2"

let cluster: LocalCluster

let queries = 0
/** The bodies of the whole archive of the client's user, oldest first. */
const archiveBodies = async (client: TestClient): Promise<Array<string>> => {
  queries += 1
  const queryid = `q${queries}`
  const reply = await client.iq(
    xml("iq", { type: "set" }, xml("query", { xmlns: NS_MAM, queryid })),
  )
  expect(reply.getChild("fin", NS_MAM)).toBeDefined()
  return client.received
    .map((stanza) => stanza.getChild("result", NS_MAM))
    .filter((result): result is XmlElement => result?.attrs.queryid === queryid)
    .map((result) => result.getChild("forwarded")?.getChild("message")?.getChildText("body") ?? "")
}

beforeAll(async () => {
  cluster = await startLocalCluster({ nodes: 2 })
  await cluster.node(0).addUser("alice", "alice-pass")
  await cluster.node(0).addUser("bob", "bob-pass")
}, 60_000)

afterAll(async () => {
  await cluster?.stop()
}, 60_000)

describe("MAM across nodes", () => {
  it("archives a conversation between nodes for both users, queryable from either node", async () => {
    const alice = await cluster.client(0, "alice", "desk", 0)
    const bob = await cluster.client(1, "bob", "phone", 0)
    await pause(300)
    await alice.send(chat("bob@localhost", "m1", "one from alice"))
    await bob.waitFor((stanza) => stanza.attrs.id === "m1", 10_000)
    await bob.send(chat("alice@localhost", "m2", "two from bob"))
    await alice.waitFor((stanza) => stanza.attrs.id === "m2", 10_000)
    await alice.send(chat("bob@localhost/phone", "m3", "three from alice"))
    await bob.waitFor((stanza) => stanza.attrs.id === "m3", 10_000)

    const conversation = ["one from alice", "two from bob", "three from alice"]
    const aliceElsewhere = await cluster.client(1, "alice", "tablet", 0)
    const bobElsewhere = await cluster.client(0, "bob", "laptop", 0)
    // Archive writes are batched per commit window: poll until the last one is in.
    for (const client of [alice, aliceElsewhere, bob, bobElsewhere])
      await expect.poll(() => archiveBodies(client), { timeout: 10_000 }).toEqual(conversation)
  }, 60_000)
})
