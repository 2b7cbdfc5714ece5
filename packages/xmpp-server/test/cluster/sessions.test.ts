// spec/cluster.md guarantees 1, 4 and 5 with two nodes in one process, over raw XMPP streams:
// presence and subscriptions with roster pushes across nodes, carbons to a resource on the
// other node, a resource bound on n2 replacing the same full JID on n1 (conflict), and
// XEP-0198 resumption on the other node with nothing lost or duplicated.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type LocalCluster, startLocalCluster } from "../helpers/localCluster.js"
import { type RawConnection, rawLogin } from "../helpers/rawSocket.js"
import { chat, countBody, NS_SM, rawAuthenticate, smLogin } from "../sm/smRaw.js"

let cluster: LocalCluster
const open: Array<RawConnection> = []

const port = (node: number): number => {
  const server = cluster.nodes[node]
  if (server === undefined) throw new Error(`no node ${node}`)
  return server.c2sPort
}

const login = async (node: number, user: string, resource: string): Promise<RawConnection> => {
  const connection = await rawLogin(port(node), "localhost", user, `${user}-pass`, resource)
  open.push(connection)
  return connection
}

beforeAll(async () => {
  cluster = await startLocalCluster({
    nodes: 2,
    config: {
      listen: { c2s: { tls: "optional", allow_plain_without_tls: true } },
      modules: { stream_management: { resume_timeout: 30 } },
    },
  })
  for (const user of ["alice", "bob", "carol", "dave", "erin", "frank"])
    await cluster.nodes[0]?.addUser(user, `${user}-pass`)
}, 60_000)

afterAll(async () => {
  for (const connection of open) connection.destroy()
  await cluster?.stop()
}, 60_000)

describe("a cluster of two nodes", () => {
  it("carries subscriptions, roster pushes and presence between nodes", async () => {
    const alice = await login(0, "alice", "home")
    const bob = await login(1, "bob", "work")
    for (const connection of [alice, bob]) {
      connection.send("<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>")
      await connection.waitFor(/id=["']r1["']/)
    }
    alice.send("<presence/>")
    bob.send("<presence/>")
    alice.send("<presence to='bob@localhost' type='subscribe'/>")
    await bob.waitFor(
      /<presence[^>]*from=["']alice@localhost["'][^>]*type=["']subscribe["']/,
      10_000,
    )
    bob.send("<presence to='alice@localhost' type='subscribed'/>")
    // Alice's roster push (on n1) for bob's approval, and bob's presence after it.
    await alice.waitFor(/<item[^>]*jid=["']bob@localhost["'][^>]*subscription=["']to["']/, 10_000)
    await alice.waitFor(/<presence[^>]*from=["']bob@localhost\/work["']/, 10_000)
    // Bob's own roster push on n2 shows alice with subscription "from".
    await bob.waitFor(/<item[^>]*jid=["']alice@localhost["'][^>]*subscription=["']from["']/, 10_000)
    bob.send("<presence><show>away</show></presence>")
    await alice.waitFor(/<show>away<\/show>/, 10_000)
  }, 60_000)

  it("sends carbons to a resource on the other node", async () => {
    const carolOne = await login(0, "carol", "one")
    const carolTwo = await login(1, "carol", "two")
    const dave = await login(0, "dave", "d")
    carolOne.send("<iq type='set' id='c1'><enable xmlns='urn:xmpp:carbons:2'/></iq>")
    await carolOne.waitFor(/id=["']c1["']/)
    carolOne.send("<presence/>")
    carolTwo.send("<presence/>")
    await new Promise((resolve) => setTimeout(resolve, 500))
    dave.send(chat("carol@localhost/two", "to-two"))
    await carolTwo.waitFor("<body>to-two</body>", 10_000)
    const copy = await carolOne.waitFor(
      /<received xmlns=["']urn:xmpp:carbons:2["'][\s\S]*to-two/,
      10_000,
    )
    expect(countBody(copy, "to-two")).toBe(1)
  }, 60_000)

  it("replaces a session bound to the same full JID on the other node (conflict)", async () => {
    const first = await login(0, "erin", "phone")
    await new Promise((resolve) => setTimeout(resolve, 300))
    const second = await login(1, "erin", "phone")
    await first.waitFor(/<conflict xmlns=["']urn:ietf:params:xml:ns:xmpp-streams["']/, 10_000)
    await first.closed
    // The new session is the one routing knows: a message from n1 reaches it on n2.
    const frank = await login(0, "frank", "f")
    frank.send(chat("erin@localhost/phone", "after-conflict"))
    await second.waitFor("<body>after-conflict</body>", 10_000)
  }, 60_000)

  it("resumes a XEP-0198 session on the other node: nothing lost, nothing duplicated", async () => {
    const { connection: old, id } = await smLogin(port(0), "alice", "alice-pass", "mobile")
    open.push(old)
    expect(id.startsWith("n1~")).toBe(true)
    const bob = await login(1, "bob", "sender")
    for (const body of ["one", "two", "three"]) bob.send(chat("alice@localhost/mobile", body))
    await old.waitFor("<body>three</body>", 10_000)
    // The client confirms the first message only, then loses its connection.
    old.send(`<a xmlns='${NS_SM}' h='1'/>`)
    await new Promise((resolve) => setTimeout(resolve, 200))
    old.destroy()
    await new Promise((resolve) => setTimeout(resolve, 300))
    bob.send(chat("alice@localhost/mobile", "four"))
    await new Promise((resolve) => setTimeout(resolve, 300))
    const resumed = await rawAuthenticate(port(1), "alice", "alice-pass")
    open.push(resumed)
    resumed.send(`<resume xmlns='${NS_SM}' previd='${id}' h='1'/>`)
    await resumed.waitFor(/<resumed [^>]*previd=["'][^"']+["']/, 10_000)
    const text = await resumed.waitFor("<body>four</body>", 10_000)
    expect(countBody(text, "one")).toBe(0)
    expect(countBody(text, "two")).toBe(1)
    expect(countBody(text, "three")).toBe(1)
    // The session lives on n2 now: a message from n2 and one from n1 both reach it.
    bob.send(chat("alice@localhost/mobile", "five"))
    const carol = await login(0, "carol", "again")
    carol.send(chat("alice@localhost/mobile", "six"))
    const later = await resumed.waitFor(
      (received) => received.includes("<body>five</body>") && received.includes("<body>six</body>"),
      10_000,
    )
    for (const body of ["two", "three", "four", "five", "six"])
      expect(countBody(later, body)).toBe(1)
    // The resumption id stays valid for the next drop.
    resumed.send(`<a xmlns='${NS_SM}' h='6'/>`)
    resumed.send(`<r xmlns='${NS_SM}'/>`)
    await resumed.waitFor(/<a xmlns=["']urn:xmpp:sm:3["'] h=/, 10_000)
  }, 60_000)

  it("answers item-not-found at once for a session no node holds", async () => {
    const connection = await rawAuthenticate(port(1), "dave", "dave-pass")
    open.push(connection)
    connection.send(`<resume xmlns='${NS_SM}' previd='n9~nothing' h='0'/>`)
    await connection.waitFor(/<failed[^>]*><item-not-found/, 5000)
  }, 30_000)
})
