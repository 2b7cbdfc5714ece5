// spec/cluster.md guarantee 2: AMP (spec/amp.md) is unchanged when the sender is on n1 and the
// recipient on n2 — `deliver=direct notify` only after n2 wrote the message, a failed write on
// n2 falling back to `stored`, `match-resource` and the §7 presence check reading the
// cluster-wide directory and the shared roster.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ampMessage, ampOf, befriend, errorOf, replyTo, rule, withId } from "../amp/ampClients.js"
import { type LocalCluster, startLocalCluster } from "../helpers/localCluster.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { pause, roundTrip } from "../offline/clients.js"
import { expectValue } from "../storage/repositories/backendMatrix.js"

let cluster: LocalCluster
let alice: TestClient
let bob: TestClient

beforeAll(async () => {
  cluster = await startLocalCluster({
    nodes: 2,
    config: {
      modules: { mam: { enabled: false } },
      testing: { faults: { socket_write_marker: "BREAK" } },
    },
  })
  for (const user of ["alice", "bob", "carol"]) await cluster.node(0).addUser(user, `${user}-pass`)
  await befriend(cluster.node(0), "alice", "bob")
  alice = await cluster.client(0, "alice", "desk", 0)
  bob = await cluster.client(1, "bob", "phone", 0)
  await pause(300)
}, 60_000)

afterAll(async () => {
  await cluster?.stop()
}, 60_000)

describe("AMP with sender and recipient on different nodes", () => {
  it("notifies deliver=direct once the recipient's node wrote the message", async () => {
    const rules = [rule("deliver", "direct", "notify"), rule("deliver", "stored", "notify")]
    await alice.send(ampMessage("bob@localhost/phone", "d1", rules, "hello across"))
    const reply = await replyTo(alice, "d1", 10_000)
    expect(ampOf(reply).rules).toEqual([rules[0]])
    expect(ampOf(reply).status).toBe("notify")
    const got = await bob.waitFor((stanza) => stanza.attrs.id === "d1", 10_000)
    expect(got.getChildText("body")).toBe("hello across")
  }, 30_000)

  it("falls back to stored when the write fails on the recipient's node", async () => {
    const rules = [
      rule("deliver", "direct", "notify"),
      rule("deliver", "stored", "notify"),
      rule("deliver", "none", "notify"),
    ]
    await alice.send(ampMessage("bob@localhost/phone", "f1", rules, "BREAK this"))
    const reply = await replyTo(alice, "f1", 10_000)
    expect(ampOf(reply).rules).toEqual([rules[1]])
    await roundTrip(alice)
    await pause(300)
    expect(withId(alice, "f1")).toHaveLength(1)
    const stored = expectValue(await cluster.node(0).server.repositories.offline.list("bob"))
    expect(JSON.stringify(stored)).toContain("BREAK this")
  }, 30_000)

  it("matches resources held by the other node", async () => {
    bob = await cluster.client(1, "bob", "tablet", 0)
    await pause(300)
    const exact = [rule("match-resource", "exact", "notify")]
    await alice.send(ampMessage("bob@localhost/tablet", "r1", exact))
    expect(ampOf(await replyTo(alice, "r1", 10_000)).rules).toEqual(exact)
    const other = [rule("match-resource", "other", "notify")]
    await alice.send(ampMessage("bob@localhost/laptop", "r2", other))
    expect(ampOf(await replyTo(alice, "r2", 10_000)).rules).toEqual(other)
  }, 30_000)

  it("refuses rules that would reveal the presence of a user on the other node to a stranger", async () => {
    const carol = await cluster.client(1, "carol", "c", 0)
    await pause(300)
    const rules = [rule("deliver", "direct", "notify")]
    await alice.send(ampMessage("carol@localhost/c", "p1", rules))
    const refused = await replyTo(alice, "p1", 10_000)
    expect(errorOf(refused).condition).toBe("not-acceptable")
    await pause(200)
    expect(withId(carol, "p1")).toHaveLength(0)
    // Subscribed (the roster written on n1, read on n2): accepted.
    await befriend(cluster.node(0), "alice", "carol")
    await pause(300)
    await alice.send(ampMessage("carol@localhost/c", "p2", rules))
    expect(ampOf(await replyTo(alice, "p2", 10_000)).rules).toEqual(rules)
  }, 30_000)
})
