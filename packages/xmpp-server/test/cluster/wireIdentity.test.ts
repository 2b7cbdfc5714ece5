// spec/cluster.md guarantee 1, on the wire: a stanza delivered from another node reaches the
// recipient's socket byte for byte as one delivered from a sender on the recipient's own node.
// The owner writes the text the origin serialised and parses it only if something reads it
// (src/xml/LazyElement.ts), so this holds the two paths to one serialisation: entities,
// non-ASCII text, attributes in their order and a namespaced extension element included.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type LocalCluster, startLocalCluster } from "../helpers/localCluster.js"
import type { RawConnection } from "../helpers/rawSocket.js"

let cluster: LocalCluster

beforeAll(async () => {
  cluster = await startLocalCluster({
    nodes: 2,
    config: { listen: { c2s: { tls: "optional", allow_plain_without_tls: true } } },
  })
  for (const user of ["alice", "bob", "carol"]) await cluster.node(0).addUser(user, `${user}-pass`)
}, 60_000)

afterAll(async () => {
  await cluster?.stop()
}, 60_000)

/** A stanza with what a serialiser could write differently, marked by `id`. */
const stanza = (id: string) =>
  `<message to='bob@localhost/work' type='chat' id='${id}' xml:lang='fr'><body>1 &lt; 2 &amp;&amp; "é" — 😀 &gt; 0</body><x xmlns='urn:example:extension' a='&apos;q&apos;' b='&quot;'><y>z</y></x></message>`

/** The message with `id` that `connection` received, as text. */
const received = async (connection: RawConnection, id: string): Promise<string> => {
  const pattern = new RegExp(`<message[^>]*id=["']${id}["'][\\s\\S]*?</message>`)
  const text = await connection.waitFor(pattern, 10_000)
  return pattern.exec(text)?.[0] ?? ""
}

describe("a cross-node delivery on the wire", () => {
  it("is byte-identical to a same-node one, but for the sender", async () => {
    const bob = await cluster.login(1, "bob", "work")
    const alice = await cluster.login(0, "alice", "home")
    const carol = await cluster.login(1, "carol", "desk")
    alice.send(stanza("same-text"))
    const crossNode = await received(bob, "same-text")
    carol.send(stanza("same-text-2"))
    const sameNode = await received(bob, "same-text-2")
    expect(crossNode).toContain("<x xmlns=")
    // Each message has its own archive id (XEP-0359 stanza-id): the rest must match.
    const stanzaId = / id="[^"]*"\/><\/message>$/
    expect(crossNode).toMatch(stanzaId)
    const normalised = (text: string, sender: string) =>
      text.replace(sender, "SENDER").replace(stanzaId, ' id="ID"/></message>')
    expect(normalised(crossNode, "alice@localhost/home")).toBe(
      normalised(sameNode, "carol@localhost/desk").replace("same-text-2", "same-text"),
    )
  })
})
