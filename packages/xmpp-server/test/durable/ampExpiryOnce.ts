// AMP `expire-at` exactly once on a shared PostgreSQL (spec/cluster.md guarantee 2, spec/amp.md
// §4): a process node (A) and a node in this process (B) share the database; the sender frank
// is online on both, the recipient gina offline. Rules stored on A fire once each while both
// sweep; after A is SIGKILLed before the rules fall due, B fires each within about a second of
// its due time, once. AMP replies follow the sender (spec/amp.md §5): frank's resource on B
// gets them when A is gone. Run twice: B on a NATS of its own (the nodes do not know of each
// other, ampExpiryShared.test.ts) and B in A's cluster (one NATS, the cluster's node-death
// handling runs too, test/cluster/ampExpiry.test.ts).
import { afterAll, beforeAll, expect, it } from "vitest"
import { ampMessage, ampOf, rule, withId } from "../amp/ampClients.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { connectClient } from "../helpers/xmppClient.js"
import { available, pause, roundTrip } from "../offline/clients.js"
import { expectValue } from "../storage/repositories/backendMatrix.js"
import { type DurableBed, startDurableBed } from "./durableBed.js"

/**
 * Registers the scenario; B joins NATS server `natsOfB` (A is on 0: 0 makes one cluster). In one
 * cluster the second batch falls due only once B surely declared A dead (spec/cluster.md
 * guarantee 6: 3 s of silence, checked every second): until then B routes the alerts for
 * frank/a to A, and what cannot reach a dead node goes to offline storage, as specified.
 */
export const ampExpiryOnce = (natsOfB: 0 | 1): void => {
  const secondDueInMs = natsOfB === 0 ? 8000 : 3000
  let bed: DurableBed | undefined
  const clients: Array<TestClient> = []
  beforeAll(async () => {
    bed = await startDurableBed()
    await bed.addUsers(["frank", "gina"])
    // Subscribed both ways (XEP-0079 §9: frank may learn of gina's presence).
    await bed.withBackend(async (backend) => {
      for (const [owner, contact] of [
        ["frank", "gina"],
        ["gina", "frank"],
      ] as const)
        expectValue(
          await backend.roster.put(owner, {
            jid: `${contact}@localhost`,
            name: undefined,
            subscription: "both",
            ask_out: false,
            pending_in: undefined,
            groups: [],
          }),
        )
    })
  }, 180_000)
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((client) => client.stop().catch(() => undefined)))
    await bed?.stop()
  })

  /** frank (or gina) online on the node listening on `port`, available. */
  const online = async (port: number, username: string, resource: string) => {
    const client = await connectClient({
      service: `xmpp://127.0.0.1:${port}`,
      domain: "localhost",
      username,
      password: `${username}-pass`,
      resource,
      mechanism: "PLAIN",
    })
    clients.push(client)
    await available(client, 0)
    return client
  }

  /** Sends `count` messages with an `expire-at` … `alert` rule due at `due`; answers their ids. */
  const sendExpiring = async (sender: TestClient, prefix: string, count: number, due: number) => {
    const ids = Array.from({ length: count }, (_, index) => `${prefix}-${index + 1}`)
    const rules = [rule("expire-at", new Date(due).toISOString(), "alert")]
    for (const id of ids) await sender.send(ampMessage("gina@localhost", id, rules))
    await roundTrip(sender)
    return { ids, rules }
  }

  /** Waits until the shared table holds `count` pending rules for gina (they were stored). */
  const pendingStored = async (count: number) => {
    const shared = bed
    if (shared === undefined) throw new Error("no bed")
    for (let tries = 0; tries < 100; tries += 1) {
      const rows = await shared.withBackend(async (backend) =>
        expectValue(await backend.ampPending.forRecipient("gina@localhost")),
      )
      if (rows.length >= count) return
      await pause(100)
    }
    throw new Error(`the ${count} pending rules were not stored`)
  }

  it("fires each due rule once while two nodes sweep, and on the survivor after a SIGKILL", async () => {
    if (bed === undefined) throw new Error("no bed")
    const nodeA = await bed.startProcess("nodeA", 0)
    const nodeB = await bed.startInProcess("nodeB", natsOfB)
    const onA = await online(nodeA.port, "frank", "a")
    const onB = await online(nodeB.c2sPort, "frank", "b")

    // Both alive: each alert reaches frank once, on whichever node fired it.
    const firstDue = Date.now() + 2500
    const first = await sendExpiring(onA, "both", 10, firstDue)
    await pendingStored(10)
    for (const id of first.ids)
      await Promise.race([onA, onB].map((client) => client.waitFor((s) => s.attrs.id === id, 8000)))
    await pause(1500)
    for (const id of first.ids) {
      const alerts = [...withId(onA, id), ...withId(onB, id)]
      expect(alerts, id).toHaveLength(1)
      expect(ampOf(alerts[0] as never)).toEqual({
        status: "alert",
        from: "frank@localhost/a",
        to: "gina@localhost",
        rules: first.rules,
      })
    }

    // A dies before its rules fall due: B fires each within about a second of due, once.
    const secondDue = Date.now() + secondDueInMs
    const second = await sendExpiring(onA, "dead", 10, secondDue)
    await pendingStored(10)
    await nodeA.kill()
    const arrivals = await Promise.all(
      second.ids.map((id) =>
        onB.waitFor((s) => s.attrs.id === id, secondDueInMs + 7000).then(() => Date.now()),
      ),
    )
    for (const arrival of arrivals) {
      expect(arrival).toBeGreaterThanOrEqual(secondDue)
      expect(arrival - secondDue).toBeLessThan(1500)
    }
    await pause(1500)
    for (const id of second.ids) {
      expect(withId(onB, id), id).toHaveLength(1)
      expect(ampOf(withId(onB, id)[0] as never).status).toBe("alert")
    }
    // The alerted messages were discarded: gina gets none of them.
    const gina = await online(nodeB.c2sPort, "gina", "home")
    await roundTrip(gina)
    await pause(300)
    for (const id of [...first.ids, ...second.ids]) expect(withId(gina, id), id).toEqual([])
    expect(
      await bed.withBackend(async (backend) =>
        expectValue(await backend.ampPending.forRecipient("gina@localhost")),
      ),
    ).toEqual([])
  }, 120_000)
}
