// Cross-node deliveries (src/cluster/Deliveries.ts) when the other node misbehaves in one exact
// way, played by a stand-in node (test/helpers/fakeClusterNode.ts) beside two node processes.
// Found by the cluster soak (seed 1454274731, docs/reliability.md):
// - a node restarted under the same name numbers its deliveries from 1 again; an answer meant
//   for its previous process must not settle a new message of the same number as written;
// - a session hibernated on a node whose handoff waits for a write owed by a node that does not
//   answer must not end at its resume timeout meanwhile: the client is already back elsewhere;
// - a session handed out, taken back and handed out again before the first confirmation came
//   must not leave the first handoff's durable rows behind (they went to offline storage at
//   the node's next start or death, and the client got messages it had acknowledged again);
// - a node that binds a full JID another node holds must read the user's offline messages only
//   once that node answered the close: until then its session's queue may hold stored
//   messages whose rows are still there (and reroutes its own copies when it ends);
// - a message to a bare JID that another node routed to an available session must not go to
//   a new session that bound the same resource since and sent no presence yet (RFC 6121
//   §8.5.2.1.1): it got it outside XEP-0198, before `<enable/>`;
// - a `<resume/>` whose session is on a node that dies or restarts after the ask reached it
//   must get its `<failed/>` at once, not after the ask's timeout (11 s; the soak's client had
//   given up after 10 s and never got an answer).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { HandedSession } from "../../src/cluster/HandedSession.js"
import { failed, type Outcome } from "../../src/storage/repositories/Outcome.js"
import { type ClusterBed, startClusterBed } from "../helpers/clusterBed.js"
import { type FakeClusterNode, startFakeClusterNode } from "../helpers/fakeClusterNode.js"
import { rawLogin } from "../helpers/rawSocket.js"
import { chat, NS_SM, rawAuthenticate, smLogin } from "../sm/smRaw.js"

let bed: ClusterBed
let fake: FakeClusterNode | undefined

beforeAll(async () => {
  bed = await startClusterBed({
    nodes: 2,
    // Accounts written to the database directly: before the nodes read their account directory.
    users: { names: ["alice", "bob", "carol", "dave", "erin", "fay", "zed"], password: "pw" },
    extraToml: ["[modules.stream_management]", "resume_timeout = 1"],
  })
  fake = await startFakeClusterNode("n9", bed.nats.url)
  fake.claim("zed@localhost/x")
  // Carol's resumptions ask the stand-in first; her session on a node stays hers (boundAt 0).
  fake.claim("carol@localhost/phone", { streamManaged: true, boundAt: 0 })
  // Both nodes route to the stand-in's session once they fetched its directory.
  await new Promise((resolve) => setTimeout(resolve, 1500))
}, 120_000)

afterAll(async () => {
  await fake?.stop()
  await bed?.stop()
}, 60_000)

const answerOf = <A>(outcome: Outcome<A>): A => {
  if (failed(outcome)) throw outcome
  return outcome
}

/** Carol's `sm_pending` rows in the shared database. */
const carolRows = (): Promise<number> =>
  bed.withBackend(
    async (backend) =>
      answerOf(await backend.smPending.all()).filter((row) => row.username === "carol").length,
  )

/** A stream-managed login; the connection is closed after the test. */
const login = async (port: number, user: string, resource: string) => {
  const session = await smLogin(port, user, "pw", resource)
  bed.track(session.connection)
  return session
}

describe("deliveries to a node that misbehaves", () => {
  it("ignores answers meant for the previous process of a node restarted under the same name", async () => {
    const n1 = bed.node("n1")
    const stand = fake as FakeClusterNode
    const { connection: before } = await login(n1.ports.c2s, "bob", "desk")
    const first = stand.nextBatch((body) => body.includes("<body>old</body>"))
    before.send(chat("zed@localhost/x", "old"))
    const old = await first
    // n1 dies with "old" unanswered and starts again under its name.
    await n1.kill("SIGKILL")
    before.destroy()
    await n1.start()
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const { connection: after } = await login(n1.ports.c2s, "bob", "desk2")
    const second = stand.nextBatch((body) => body.includes("<body>new</body>"))
    after.send(chat("zed@localhost/x", "new"))
    const fresh = await second
    // The premise: the new process numbered "new" as the old one had numbered "old".
    expect(fresh.frames[0]?.seq).toBe(old.frames[0]?.seq)
    // The stand-in now answers the old batch "written", as an owner answering late would: to
    // the incarnation that batch named (the first line is `origin incarnation`).
    const oldIncarnation = old.header.split(" ")[1]
    stand.answer(
      "n1",
      `n9${oldIncarnation === undefined ? "" : ` ${oldIncarnation}`}\n${old.frames[0]?.seq}+`,
    )
    // "new" was never answered: it fails after the delivery timeout and goes to offline
    // storage. Before the fix the stale answer settled it as written (bob's `<a/>` released).
    const failed = await n1.waitForEvent("cluster-delivery-failed", { timeoutMs: 15_000 })
    expect(failed).toMatchObject({ id: "new", node: "n9", why: "no answer" })
    expect(n1.events("cluster-answers-ignored")).toHaveLength(1)
    // Every line of a cluster node names it.
    expect(n1.events().every((line) => line.thisNode === "n1")).toBe(true)
  }, 90_000)

  it("keeps a hibernated session past its resume timeout while its handoff waits for a write", async () => {
    const n1 = bed.node("n1")
    const n2 = bed.node("n2")
    const stand = fake as FakeClusterNode
    const { connection: alice, id } = await login(n2.ports.c2s, "alice", "phone")
    // Alice's message to the stand-in's session: it never answers, so n2 waits for it (up to
    // the delivery timeout, 5 s) before `<a/>` — and before a handoff — can count it.
    const sent = stand.nextBatch((body) => body.includes("<body>held</body>"))
    alice.send(chat("zed@localhost/x", "held"))
    await sent
    alice.destroy()
    await new Promise((resolve) => setTimeout(resolve, 200))
    // Back on n1 within resume_timeout (1 s); the handoff takes about 5 s, past that timeout.
    const resumed = bed.track(await rawAuthenticate(n1.ports.c2s, "alice", "pw"))
    resumed.send(`<resume xmlns='${NS_SM}' previd='${id}' h='0'/>`)
    const answer = await resumed.waitFor(/<resumed [^>]*previd=|<failed/, 20_000)
    expect(answer).toMatch(/<resumed [^>]*previd=/)
    // And the message the stand-in never confirmed went to zed's offline storage.
    const failed = await n2.waitForEvent("cluster-delivery-failed", { timeoutMs: 15_000 })
    expect(failed).toMatchObject({ id: "held", node: "n9", why: "no answer" })
  }, 90_000)

  it("forgets both handoffs' rows when a session leaves again before the first confirmation", async () => {
    const n1 = bed.node("n1")
    const stand = fake as FakeClusterNode
    const { connection: carol, id } = await login(n1.ports.c2s, "carol", "phone")
    const { connection: bob } = await login(n1.ports.c2s, "bob", "sender")
    bob.send(chat("carol@localhost/phone", "c1"))
    bob.send(chat("carol@localhost/phone", "c2"))
    await carol.waitFor("<body>c2</body>", 10_000)
    const request = { previd: id, bare: "carol@localhost", h: 0 }
    // The stand-in takes the session (n1 keeps c1 and c2 with their rows until it confirms).
    const first = (await stand.request("n1", "handoff", request)) as {
      session: HandedSession
      ticket?: string
    }
    expect(first.session.stanzas).toHaveLength(2)
    // Carol comes back to n1, which asks the stand-in for her session and takes it back.
    stand.serve("handoff", () => ({ session: first.session, ticket: "from-n9" }))
    const back = bed.track(await rawAuthenticate(n1.ports.c2s, "carol", "pw"))
    back.send(`<resume xmlns='${NS_SM}' previd='${id}' h='0'/>`)
    await back.waitFor(/<resumed [^>]*previd=/, 10_000)
    await back.waitFor("<body>c2</body>", 10_000)
    // And the stand-in takes it again before it confirmed the first handoff.
    const second = (await stand.request("n1", "handoff", request)) as {
      session: HandedSession
      ticket?: string
    }
    expect(second.session.stanzas).toHaveLength(2)
    // Both confirmations (named by ticket now; by previd before the fix).
    for (const taken of [first, second])
      stand.tell("n1", "handoff-done", { previd: id, ticket: taken.ticket, ok: true })
    // Every durable copy of c1 and c2 goes: the stand-in holds them now.
    const deadline = Date.now() + 10_000
    while ((await carolRows()) > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 200))
    expect(await carolRows()).toBe(0)
  }, 90_000)

  it("reads offline messages only once the node whose session a login replaced answered", async () => {
    const n1 = bed.node("n1")
    const stand = fake as FakeClusterNode
    const { connection: bob } = await login(n1.ports.c2s, "bob", "mailer")
    bob.send(chat("dave@localhost", "stored"))
    const daveStored = (): Promise<number> =>
      bed.withBackend(async (backend) => answerOf(await backend.offline.count("dave")))
    const deadline = Date.now() + 10_000
    while ((await daveStored()) === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100))
    expect(await daveStored()).toBe(1)
    // The stand-in holds dave/phone (older than any new bind) and answers the close when told.
    let answeredAt = 0
    let release = (): void => undefined
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    stand.serve("close", async () => {
      await gate
      answeredAt = Date.now()
      return { ok: true }
    })
    stand.claim("dave@localhost/phone", { boundAt: Date.now() - 60_000 })
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const dave = await rawLogin(n1.ports.c2s, "localhost", "dave", "pw", "phone")
    bed.track(dave)
    dave.send("<presence/>")
    const arrived = dave.waitFor("<body>stored</body>", 15_000).then(() => Date.now())
    setTimeout(release, 1000)
    // Before the fix the stored message came at once, while the stand-in's session (which may
    // hold it too) was still being closed.
    const arrivedAt = await arrived
    expect(answeredAt).toBeGreaterThan(0)
    expect(arrivedAt).toBeGreaterThanOrEqual(answeredAt)
  }, 60_000)

  it("refuses a message to a bare JID for a session of that resource that sent no presence yet", async () => {
    const n1 = bed.node("n1")
    const stand = fake as FakeClusterNode
    const erin = await rawLogin(n1.ports.c2s, "localhost", "erin", "pw", "phone")
    bed.track(erin)
    const toBare = chat("erin@localhost", "to-bare")
    // Before the fix it was written (`1+`) to the session that never announced availability.
    expect(await stand.deliver("n1", 1, "erin@localhost/phone", toBare)).toMatch(/\n1-$/)
    // A full JID reaches the resource (RFC 6121 §8.5.3.1), available or not.
    const toFull = chat("erin@localhost/phone", "to-full")
    expect(await stand.deliver("n1", 2, "erin@localhost/phone", toFull)).toMatch(/\n2\+$/)
    await erin.waitFor("<body>to-full</body>")
    // Once available, a bare JID's message reaches it too.
    erin.send("<presence/>")
    await erin.waitFor("<presence")
    expect(await stand.deliver("n1", 3, "erin@localhost/phone", toBare)).toMatch(/\n3\+$/)
    await erin.waitFor("<body>to-bare</body>")
  }, 60_000)

  /**
   * Fay's session is on the stand-in `n8` (her resumption id names it); `n8` takes n1's ask and
   * never answers it, then `end` happens to it. Resolves with n1's answer to `<resume/>` and
   * how long after the end it came.
   */
  const resumeWhileAskedNodeEnds = async (
    end: (stale: FakeClusterNode) => Promise<FakeClusterNode | undefined>,
  ): Promise<{ readonly answer: string; readonly ms: number }> => {
    const n1 = bed.node("n1")
    const stale = await startFakeClusterNode("n8", bed.nats.url)
    let stopped = false
    let next: FakeClusterNode | undefined
    let asked = (): void => undefined
    const askArrived = new Promise<void>((resolve) => {
      asked = resolve
    })
    stale.serve("handoff", () => {
      asked()
      return new Promise(() => undefined)
    })
    try {
      // n1 knows n8 from its first heartbeat.
      await new Promise((resolve) => setTimeout(resolve, 1500))
      const fay = bed.track(await rawAuthenticate(n1.ports.c2s, "fay", "pw"))
      fay.send(`<resume xmlns='${NS_SM}' previd='n8~gone' h='0'/>`)
      await askArrived
      stopped = true
      next = await end(stale)
      const endedAt = Date.now()
      const answer = await fay.waitFor(/<resumed [^>]*previd=|<failed[\s\S]*<\/failed>/, 30_000)
      return { answer, ms: Date.now() - endedAt }
    } finally {
      if (!stopped) await stale.stop()
      await next?.stop()
    }
  }

  it("answers a <resume/> at once when the node it asked restarts before answering", async () => {
    // A new process under the same name: n1 hears its new incarnation at its first heartbeat.
    const { answer, ms } = await resumeWhileAskedNodeEnds(async (stale) => {
      await stale.stop()
      return startFakeClusterNode("n8", bed.nats.url)
    })
    expect(answer).toMatch(/<failed[^>]*>\s*<item-not-found/)
    // Before the fix it came only when the ask timed out, 11 s after it was sent.
    expect(ms).toBeLessThan(5_000)
  }, 60_000)

  it("answers a <resume/> once the node it asked is silent for the dead-node time", async () => {
    // SIGKILLed and not back (the soak's case): n1 counts it dead after 3 s of silence.
    const { answer, ms } = await resumeWhileAskedNodeEnds(async (stale) => {
      await stale.stop()
      return undefined
    })
    expect(answer).toMatch(/<failed[^>]*>\s*<item-not-found/)
    // Dead after 3 s of silence, seen at the next 1 s tick; before the fix: 11 s.
    expect(ms).toBeLessThan(8_000)
  }, 60_000)
})
