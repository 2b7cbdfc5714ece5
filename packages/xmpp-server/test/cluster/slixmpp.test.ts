// spec/cluster.md guarantee 1 with an independent client: slixmpp (Python, Debian's
// python3-slixmpp) on n2 and @xmpp/client on n1, subscribed to each other, see each other's
// presence (available, then unavailable when slixmpp leaves) and chat both ways.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { xml } from "../../src/index.js"
import { befriend } from "../amp/ampClients.js"
import { type LocalCluster, startLocalCluster } from "../helpers/localCluster.js"
import { runSlixmpp } from "../helpers/slixmpp.js"
import { chat } from "../offline/clients.js"

let cluster: LocalCluster

beforeAll(async () => {
  cluster = await startLocalCluster({ nodes: 2 })
  await cluster.node(0).addUser("alice", "alice-pass")
  await cluster.node(0).addUser("carol", "carol-pass")
  await befriend(cluster.node(0), "alice", "carol")
}, 60_000)

afterAll(async () => {
  await cluster?.stop()
}, 60_000)

describe("slixmpp on n2, @xmpp/client on n1", () => {
  it("exchange presence and messages across nodes", async () => {
    const alice = await cluster.client(0, "alice", "desk", 0)
    const carol = runSlixmpp({
      host: "127.0.0.1",
      port: cluster.node(1).c2sPort,
      jid: "carol@localhost/py",
      password: "carol-pass",
      send: [{ to: "alice@localhost", body: "hello from slixmpp on n2" }],
      expect_messages: 1,
      timeout: 15,
    })
    const fromCarol = (stanza: { attrs: Record<string, string | undefined> }) =>
      stanza.attrs.from === "carol@localhost/py"
    await alice.waitFor(
      (stanza) => stanza.is("presence") && fromCarol(stanza) && stanza.attrs.type === undefined,
      15_000,
    )
    const message = await alice.waitFor(
      (stanza) => stanza.is("message") && fromCarol(stanza),
      15_000,
    )
    expect(message.getChildText("body")).toBe("hello from slixmpp on n2")
    await alice.send(chat("carol@localhost/py", "back", "hello from @xmpp/client on n1"))

    const result = await carol
    expect(result.authenticated).toBe(true)
    expect(result.messages).toEqual([
      { from: "alice@localhost/desk", body: "hello from @xmpp/client on n1", type: "chat" },
    ])
    // Its initial presence probed alice's, held by n1.
    expect(result.presences).toContainEqual({ from: "alice@localhost/desk", type: "available" })
    const gone = await alice.waitFor(
      (stanza) => stanza.is("presence") && fromCarol(stanza) && stanza.attrs.type === "unavailable",
      15_000,
    )
    expect(gone.attrs.type).toBe("unavailable")
    await alice.send(xml("presence", { type: "unavailable" }))
  }, 60_000)
})
