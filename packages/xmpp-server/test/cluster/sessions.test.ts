// spec/cluster.md guarantees 1, 4 and 5 with two nodes in one process, over raw XMPP streams:
// presence and subscriptions with roster pushes across nodes, carbons to a resource on the
// other node, a resource bound on n2 replacing the same full JID on n1 (conflict), and
// XEP-0198 resumption on the other node with nothing lost or duplicated. Module session hooks
// (docs/MODULES.md) when resumption moves a session: the old node closes it for its modules
// (`sessionClosed`), the new node opens it (`sessionOpened`, then `resumed`), as for a session
// bound there; before, the new node ran `resumed` only, so a module that starts its work at
// `sessionOpened` (AMP's recipientOnline) never saw the session there.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { ServerModule } from "../../src/index.js"
import { type LocalCluster, startLocalCluster } from "../helpers/localCluster.js"
import { chat, countBody, NS_SM } from "../sm/smRaw.js"

let cluster: LocalCluster

/** Every session hook run, as "node hook full-jid", in order. */
const hookRuns: Array<string> = []

const hookRecorder = (node: string): ServerModule => ({
  name: "session_hook_recorder",
  setup: () => ({
    sessionOpened: (session) => hookRuns.push(`${node} sessionOpened ${session.full}`),
    sessionClosed: (session) => hookRuns.push(`${node} sessionClosed ${session.full}`),
    resumed: (session) => hookRuns.push(`${node} resumed ${session.full}`),
  }),
})

beforeAll(async () => {
  cluster = await startLocalCluster({
    nodes: 2,
    config: {
      listen: { c2s: { tls: "optional", allow_plain_without_tls: true } },
      modules: { stream_management: { resume_timeout: 30 } },
      // A message with this text fails its socket write (the connection breaks).
      testing: { faults: { socket_write_marker: "BREAK-WRITE" } },
    },
    modules: (node) => [hookRecorder(node)],
  })
  for (const user of ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan"])
    await cluster.node(0).addUser(user, `${user}-pass`)
}, 60_000)

afterAll(async () => {
  await cluster?.stop()
}, 60_000)

describe("a cluster of two nodes", () => {
  it("carries subscriptions, roster pushes and presence between nodes", async () => {
    const alice = await cluster.login(0, "alice", "home")
    const bob = await cluster.login(1, "bob", "work")
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
    const carolOne = await cluster.login(0, "carol", "one")
    const carolTwo = await cluster.login(1, "carol", "two")
    const dave = await cluster.login(0, "dave", "d")
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
    const first = await cluster.login(0, "erin", "phone")
    await new Promise((resolve) => setTimeout(resolve, 300))
    const second = await cluster.login(1, "erin", "phone")
    await first.waitFor(/<conflict xmlns=["']urn:ietf:params:xml:ns:xmpp-streams["']/, 10_000)
    await first.closed
    // The new session is the one routing knows: a message from n1 reaches it on n2.
    const frank = await cluster.login(0, "frank", "f")
    frank.send(chat("erin@localhost/phone", "after-conflict"))
    await second.waitFor("<body>after-conflict</body>", 10_000)
  }, 60_000)

  it("resumes a XEP-0198 session on the other node: nothing lost, nothing duplicated", async () => {
    const { connection: old, id } = await cluster.smLogin(0, "alice", "mobile")
    expect(id.startsWith("n1~")).toBe(true)
    const bob = await cluster.login(1, "bob", "sender")
    for (const body of ["one", "two", "three"]) bob.send(chat("alice@localhost/mobile", body))
    await old.waitFor("<body>three</body>", 10_000)
    // The client confirms the first message only, then loses its connection.
    old.send(`<a xmlns='${NS_SM}' h='1'/>`)
    await new Promise((resolve) => setTimeout(resolve, 200))
    old.destroy()
    await new Promise((resolve) => setTimeout(resolve, 300))
    bob.send(chat("alice@localhost/mobile", "four"))
    await new Promise((resolve) => setTimeout(resolve, 300))
    const resumed = await cluster.authenticate(1, "alice")
    resumed.send(`<resume xmlns='${NS_SM}' previd='${id}' h='1'/>`)
    await resumed.waitFor(/<resumed [^>]*previd=["'][^"']+["']/, 10_000)
    const text = await resumed.waitFor("<body>four</body>", 10_000)
    expect(countBody(text, "one")).toBe(0)
    expect(countBody(text, "two")).toBe(1)
    expect(countBody(text, "three")).toBe(1)
    // The session lives on n2 now: a message from n2 and one from n1 both reach it.
    bob.send(chat("alice@localhost/mobile", "five"))
    const carol = await cluster.login(0, "carol", "again")
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

  // Found by the cluster soak (seed 1, docs/reliability.md): a session keeps its previd
  // (`n1~…`) when it moves to n2, and the next resumption asked only n1, which no longer held it.
  it("resumes a session again after it moved: back on the node that created it", async () => {
    const { connection: first, id } = await cluster.smLogin(0, "grace", "tablet")
    expect(id.startsWith("n1~")).toBe(true)
    const bob = await cluster.login(1, "bob", "second-sender")
    bob.send(chat("grace@localhost/tablet", "g1"))
    await first.waitFor("<body>g1</body>", 10_000)
    first.destroy()
    // On n2: the session moves there, with its id.
    const second = await cluster.authenticate(1, "grace")
    second.send(`<resume xmlns='${NS_SM}' previd='${id}' h='1'/>`)
    await second.waitFor(/<resumed [^>]*previd=/, 10_000)
    bob.send(chat("grace@localhost/tablet", "g2"))
    await second.waitFor("<body>g2</body>", 10_000)
    second.destroy()
    await new Promise((resolve) => setTimeout(resolve, 300))
    bob.send(chat("grace@localhost/tablet", "g3"))
    await new Promise((resolve) => setTimeout(resolve, 300))
    // Back on n1, which created the id but handed the session away: n2 holds it now.
    const third = await cluster.authenticate(0, "grace")
    third.send(`<resume xmlns='${NS_SM}' previd='${id}' h='1'/>`)
    const text = await third.waitFor(/<resumed [^>]*previd=|<failed/, 10_000)
    expect(text).toMatch(/<resumed [^>]*previd=/)
    const later = await third.waitFor("<body>g3</body>", 10_000)
    expect(countBody(later, "g2")).toBe(1)
    expect(countBody(later, "g3")).toBe(1)
  }, 60_000)

  // Found by the cluster soak (docs/reliability.md): the owner node answered a failed write
  // as a failed delivery, so the sender's node stored the message offline while it stayed in
  // the XEP-0198 queue; the resumption re-sent it, and the next session got it again.
  it("delivers once when the write to a session on another node fails and the session resumes", async () => {
    const { connection: first, id } = await cluster.smLogin(1, "heidi", "phone")
    const bob = await cluster.login(0, "bob", "third-sender")
    await new Promise((resolve) => setTimeout(resolve, 300))
    bob.send(chat("heidi@localhost/phone", "BREAK-WRITE h1"))
    await first.closed
    const resumed = await cluster.authenticate(1, "heidi")
    resumed.send(`<resume xmlns='${NS_SM}' previd='${id}' h='0'/>`)
    await resumed.waitFor("<body>BREAK-WRITE h1</body>", 10_000)
    resumed.send(`<a xmlns='${NS_SM}' h='1'/>`)
    await new Promise((resolve) => setTimeout(resolve, 300))
    resumed.send("</stream:stream>")
    await resumed.closed
    // A new session: nothing of the acknowledged message is in offline storage.
    const again = await cluster.login(1, "heidi", "laptop")
    again.send("<presence/>")
    await new Promise((resolve) => setTimeout(resolve, 300))
    bob.send(chat("heidi@localhost", "h2"))
    // A copy from offline storage would break this connection too (the marker): say so.
    const broken = again.closed.then(() => {
      throw new Error(`"BREAK-WRITE h1" came again from offline storage: ${again.text()}`)
    })
    const text = await Promise.race([again.waitFor("<body>h2</body>", 10_000), broken])
    expect(countBody(text, "BREAK-WRITE h1")).toBe(0)
  }, 60_000)

  it("answers item-not-found at once for a session no node holds", async () => {
    const connection = await cluster.authenticate(1, "dave")
    connection.send(`<resume xmlns='${NS_SM}' previd='n9~nothing' h='0'/>`)
    await connection.waitFor(/<failed[^>]*><item-not-found/, 5000)
  }, 30_000)

  it("opens a session resumed on the other node for that node's modules, then reports it resumed", async () => {
    const ivan = (node: string) =>
      hookRuns.filter((run) => run.startsWith(`${node} `) && run.endsWith(" ivan@localhost/phone"))
    const phone = await cluster.smLogin(0, "ivan", "phone")
    await expect.poll(() => ivan("n1")).toEqual(["n1 sessionOpened ivan@localhost/phone"])
    phone.connection.destroy()

    const resumed = await cluster.authenticate(1, "ivan")
    resumed.send(`<resume xmlns='${NS_SM}' previd='${phone.id}' h='0'/>`)
    await resumed.waitFor(/<resumed /, 10_000)
    await expect
      .poll(() => ivan("n2"), { timeout: 10_000 })
      .toEqual(["n2 sessionOpened ivan@localhost/phone", "n2 resumed ivan@localhost/phone"])
    expect(ivan("n1")).toEqual([
      "n1 sessionOpened ivan@localhost/phone",
      "n1 sessionClosed ivan@localhost/phone",
    ])

    // Closed on n2, the session ends there for n2's modules: one open, one close per node.
    resumed.send("</stream:stream>")
    await resumed.closed
    await expect
      .poll(() => ivan("n2"), { timeout: 10_000 })
      .toEqual([
        "n2 sessionOpened ivan@localhost/phone",
        "n2 resumed ivan@localhost/phone",
        "n2 sessionClosed ivan@localhost/phone",
      ])
  }, 60_000)
})
