// Module session hooks (docs/MODULES.md) when XEP-0198 resumption moves a session to another
// node: the old node closes it for its modules (`sessionClosed`), the new node opens it for
// its modules (`sessionOpened`, then `resumed`), as a module on one node would see a session
// that was bound there. Before, the new node ran `resumed` only: a module that starts its
// work at `sessionOpened` (AMP's recipientOnline) never saw the session there.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { ServerModule } from "../../src/index.js"
import { type LocalCluster, startLocalCluster } from "../helpers/localCluster.js"
import { NS_SM } from "../sm/smRaw.js"

/** Every session hook run, as "node hook full-jid", in order. */
const events: Array<string> = []

const recorder = (node: string): ServerModule => ({
  name: "session_hook_recorder",
  setup: () => ({
    sessionOpened: (session) => events.push(`${node} sessionOpened ${session.full}`),
    sessionClosed: (session) => events.push(`${node} sessionClosed ${session.full}`),
    resumed: (session) => events.push(`${node} resumed ${session.full}`),
    gone: (session) => events.push(`${node} gone ${session.full}`),
  }),
})

let cluster: LocalCluster

beforeAll(async () => {
  cluster = await startLocalCluster({
    nodes: 2,
    config: {
      listen: { c2s: { tls: "optional", allow_plain_without_tls: true } },
      modules: { stream_management: { resume_timeout: 30 } },
    },
    modules: (node) => [recorder(node)],
  })
  await cluster.node(0).addUser("alice", "alice-pass")
}, 60_000)

afterAll(async () => {
  await cluster?.stop()
}, 60_000)

describe("session hooks across nodes", () => {
  it("opens a session resumed on the other node for that node's modules, then reports it resumed", async () => {
    const phone = await cluster.smLogin(0, "alice", "phone")
    await expect.poll(() => events).toContain("n1 sessionOpened alice@localhost/phone")
    phone.connection.destroy()

    const resumed = await cluster.authenticate(1, "alice")
    resumed.send(`<resume xmlns='${NS_SM}' previd='${phone.id}' h='0'/>`)
    await resumed.waitFor(/<resumed /, 10_000)
    await expect
      .poll(() => events.filter((event) => event.startsWith("n2 ")), { timeout: 10_000 })
      .toEqual(["n2 sessionOpened alice@localhost/phone", "n2 resumed alice@localhost/phone"])
    expect(events).toContain("n1 sessionClosed alice@localhost/phone")

    // Closed on n2, the session ends there for n2's modules: one open, one close per node.
    resumed.send("</stream:stream>")
    await resumed.closed
    await expect
      .poll(() => events.filter((event) => event.includes("session")), { timeout: 10_000 })
      .toEqual([
        "n1 sessionOpened alice@localhost/phone",
        "n1 sessionClosed alice@localhost/phone",
        "n2 sessionOpened alice@localhost/phone",
        "n2 sessionClosed alice@localhost/phone",
      ])
  }, 60_000)
})
