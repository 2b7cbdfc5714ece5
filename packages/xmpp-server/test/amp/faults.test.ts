// AMP when the socket write fails ([testing.faults] socket_write_marker, spec/amp.md §4): the
// `direct` notification never comes, the message falls back to offline storage where the
// `stored` rule notifies, and the stored copy has no `<amp/>` (it cannot be delivered here: the
// marker would break that write too); with
// offline storage failing too it ends at `none`: notification, then one bounce.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { login, pause, roundTrip } from "../offline/clients.js"
import { ampMessage, ampOf, befriend, errorOf, NS_AMP, rule, withId } from "./ampClients.js"

const servers: Array<TestServer> = []
const clients: Array<TestClient> = []
afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop().catch(() => undefined)))
  for (const server of servers) await server.stop()
})

const start = async (offlineWrite: boolean) => {
  const server = await startTestServer({
    config: {
      modules: { mam: { enabled: false } },
      testing: { faults: { socket_write_marker: "BREAK", offline_write: offlineWrite } },
    },
  })
  servers.push(server)
  for (const user of ["alice", "bob"]) await server.addUser(user, `${user}-pass`)
  befriend(server, "alice", "bob")
  const alice = await login(server, "alice", "desk", 0)
  const bob = await login(server, "bob", "phone", 0)
  clients.push(alice, bob)
  return { server, alice, bob }
}

const rules = [
  rule("deliver", "direct", "notify"),
  rule("deliver", "stored", "notify"),
  rule("deliver", "none", "notify"),
]

describe("a socket write that fails", () => {
  let setup: Awaited<ReturnType<typeof start>>
  beforeAll(async () => {
    setup = await start(false)
  }, 30_000)

  it("falls back to offline storage: stored is notified, the stored copy has no <amp/>", async () => {
    const { server, alice } = setup
    await alice.send(ampMessage("bob@localhost/phone", "f1", rules, "BREAK this"))
    const reply = await alice.waitFor((s) => s.attrs.id === "f1")
    expect(ampOf(reply).rules).toEqual([rules[1]])
    await roundTrip(alice)
    await pause(150)
    expect(withId(alice, "f1")).toHaveLength(1)
    const stored = await server.server.repositories.offline.list("bob")
    if (stored instanceof Error) throw stored
    expect(stored).toHaveLength(1)
    const text = JSON.stringify(stored[0])
    expect(text).toContain("BREAK this")
    expect(text).not.toContain(NS_AMP)
  })
})

describe("a socket write and the offline write that both fail", () => {
  it("ends at none: the none rule notifies, then one internal-server-error bounce", async () => {
    const { alice } = await start(true)
    await alice.send(ampMessage("bob@localhost/phone", "f2", rules, "BREAK again"))
    await alice.waitFor(() => withId(alice, "f2").length >= 2)
    await pause(150)
    const [notify, bounce, ...rest] = withId(alice, "f2")
    expect(rest).toEqual([])
    expect(notify && ampOf(notify).rules).toEqual([rules[2]])
    expect(bounce && errorOf(bounce).condition).toBe("internal-server-error")
  }, 30_000)
})
