// spec/cluster.md guarantee 1, MAM: archiving preferences (XEP-0313 §6) set through one node
// apply on every node — the node that routes a message decides whether the recipient's copy
// is archived, so a preference kept only where it was set would be ignored elsewhere.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type LocalCluster, startLocalCluster } from "../helpers/localCluster.js"
import type { RawConnection } from "../helpers/rawSocket.js"
import { chat } from "../sm/smRaw.js"

let cluster: LocalCluster

beforeAll(async () => {
  cluster = await startLocalCluster({
    nodes: 2,
    config: { listen: { c2s: { tls: "optional", allow_plain_without_tls: true } } },
  })
  for (const user of ["alice", "bob"]) await cluster.node(0).addUser(user, `${user}-pass`)
}, 60_000)

afterAll(async () => {
  await cluster?.stop()
}, 60_000)

/** Asks for the whole archive and resolves with the answer's text (results and the final IQ). */
const archiveAnswer = async (connection: RawConnection, queryid: string): Promise<string> => {
  const before = connection.text().length
  connection.send(
    `<iq type='set' id='${queryid}'><query xmlns='urn:xmpp:mam:2' queryid='${queryid}'/></iq>`,
  )
  await connection.waitFor((text) => /<fin[\s>]/.test(text.slice(before)), 10_000)
  return connection.text().slice(before)
}

describe("MAM preferences in a cluster", () => {
  it("apply on the node that routes the message, not only where they were set", async () => {
    const alice = await cluster.login(0, "alice", "home")
    const bob = await cluster.login(1, "bob", "work")
    alice.send("<iq type='set' id='prefs'><prefs xmlns='urn:xmpp:mam:2' default='never'/></iq>")
    await alice.waitFor(
      /<iq[^>]*id=["']prefs["'][^>]*type=["']result|type=["']result["'][^>]*id=["']prefs["']/,
      10_000,
    )
    await new Promise((resolve) => setTimeout(resolve, 300))
    bob.send(chat("alice@localhost/home", "not-archived"))
    await alice.waitFor("<body>not-archived</body>", 10_000)
    await new Promise((resolve) => setTimeout(resolve, 500))
    const answer = await archiveAnswer(alice, "q1")
    expect(answer).toContain("<fin")
    expect(answer).not.toContain("not-archived")
    // Bob's own copy (his default: always) is archived, by the same node.
    bob.send("<iq type='set' id='q2'><query xmlns='urn:xmpp:mam:2' queryid='q2'/></iq>")
    await bob.waitFor(/<result[^>]*queryid=["']q2["'][\s\S]*not-archived/, 10_000)
  }, 60_000)
})
