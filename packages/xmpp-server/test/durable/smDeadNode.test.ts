// XEP-0198 pending rows per node on a shared PostgreSQL (spec/cluster.md guarantee 5, issue
// 23): node A holds a hibernated stream-managed session with acknowledged, unacknowledged
// messages in `sm_pending`; node B starting on the same database leaves A's rows alone while
// A lives (and takes over a row of the single node, older than row owners); once A is SIGKILLed, two survivors recover A's node at once (`recoverDeadNode`):
// each message lands in offline storage once, and reaches the user once, in order, at the
// next login.
import { afterAll, beforeAll, expect, it } from "vitest"
import { rawLogin } from "../helpers/rawSocket.js"
import { countBody, NS_SM, smLogin } from "../sm/smRaw.js"
import { expectValue } from "../storage/repositories/backendMatrix.js"
import { type DurableBed, startDurableBed } from "./durableBed.js"

let bed: DurableBed | undefined
beforeAll(async () => {
  bed = await startDurableBed()
  await bed.addUsers(["alice", "bob"])
}, 180_000)
afterAll(async () => {
  await bed?.stop()
})

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const chatTo = (to: string, body: string) =>
  `<message type='chat' to='${to}' id='${body}'><body>${body}</body></message>`

it("leaves a live node's rows alone, and a dead node's rows reach offline storage once", async () => {
  if (bed === undefined) throw new Error("no bed")
  const shared = bed
  const nodeA = await shared.startProcess("nodeA", 0, [
    "[modules.stream_management]",
    "resume_timeout = 300",
  ])
  // bob's stream-managed session hibernates on A.
  const bob = await smLogin(nodeA.port, "bob", "bob-pass", "phone")
  bob.connection.send("<presence/>")
  await bob.connection.waitFor("<presence")
  bob.connection.destroy()
  await pause(400)
  const bodies = Array.from({ length: 30 }, (_, index) => `dead-${index + 1}`)
  const alice = await rawLogin(nodeA.port, "localhost", "alice", "alice-pass", "desk")
  alice.send(`<enable xmlns='${NS_SM}'/>`)
  await alice.waitFor("<enabled")
  alice.send(`${bodies.map((body) => chatTo("bob@localhost", body)).join("")}<r xmlns='${NS_SM}'/>`)
  await alice.waitFor(`<a xmlns='${NS_SM}' h='${bodies.length}'/>`)
  alice.destroy()
  const rowsOf = (node: string) =>
    shared.withBackend(async (backend) =>
      expectValue(await backend.smPending.ofNode(node)).filter((row) =>
        row.stanza.includes("<body>dead-"),
      ),
    )
  expect(await rowsOf("nodeA")).toHaveLength(bodies.length)

  // A row of the single node (written before rows had owners): the next node to start takes it.
  await shared.withBackend(async (backend) => {
    const block = expectValue(await backend.smPending.reserveSeqs())
    const stanza = `<message xmlns='jabber:client' type='chat' to='bob@localhost/phone' from='alice@localhost/desk' id='old-1'><body>dead-0</body></message>`
    const row = { seq: block.first, node: "standalone", username: "bob", resource: "phone" }
    expectValue(
      await backend.smPending.apply([
        { kind: "add", row: { ...row, stanza, createdAt: Date.now() - 60_000 } },
      ]),
    )
  })

  // Two more nodes start on the database while A lives: A's rows stay A's.
  const nodeB = await shared.startInProcess("nodeB", 1)
  const nodeC = await shared.startInProcess("nodeC", 1)
  expect(await rowsOf("nodeA")).toHaveLength(bodies.length)
  expect(await rowsOf("standalone")).toEqual([])

  await nodeA.kill()
  const [byB, byC] = await Promise.all([
    nodeB.server.recoverDeadNode("nodeA"),
    nodeC.server.recoverDeadNode("nodeA"),
  ])
  if (byB._tag !== "Recovered" || byC._tag !== "Recovered") throw new Error("refused")
  expect(byB.adopted + byC.adopted).toBe(bodies.length)
  expect(byB.stored + byC.stored).toBe(bodies.length)
  expect(await rowsOf("nodeA")).toEqual([])
  expect(await rowsOf("nodeB")).toEqual([])
  expect(await rowsOf("nodeC")).toEqual([])
  // Refused for the node's own name: its rows are live.
  expect(await nodeB.server.recoverDeadNode("nodeB")).toMatchObject({ _tag: "Refused" })

  const fresh = await rawLogin(nodeB.c2sPort, "localhost", "bob", "bob-pass", "fresh")
  fresh.send("<presence/>")
  await fresh.waitFor((text) => bodies.every((body) => countBody(text, body) >= 1), 10_000)
  fresh.send(`<iq type='get' id='done'><ping xmlns='urn:xmpp:ping'/></iq>`)
  await fresh.waitFor(/id=["']done["']/)
  await pause(300)
  const text = fresh.text()
  // The single node's row went to offline storage when B started, before A's rows.
  for (const body of ["dead-0", ...bodies]) expect(countBody(text, body), body).toBe(1)
  const order = ["dead-0", ...bodies].map((body) => text.indexOf(`<body>${body}</body>`))
  expect(order).toEqual([...order].sort((a, b) => a - b))
  // Stamped with when it was queued on A (XEP-0203).
  expect(text).toMatch(
    /<body>dead-1<\/body>(?:(?!<\/message>).)*<delay xmlns=["']urn:xmpp:delay["']/,
  )
  fresh.destroy()
  // Nothing left for anyone to deliver again.
  expect(
    await shared.withBackend(async (backend) => expectValue(await backend.offline.count("bob"))),
  ).toBe(0)
}, 90_000)
