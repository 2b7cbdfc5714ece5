// Offline storage counted in bytes (issue 25, item 6): `[modules.offline] max_bytes_per_user`
// bounces a message that does not fit with `resource-constraint` (type `wait`, as the message
// count quota does), keeps what fit, and takes messages again once they were delivered.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import type { XmlElement } from "../../src/index.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { expectValue } from "../storage/repositories/backendMatrix.js"
import { bodies, chat, conditionOf, login, roundTrip } from "./clients.js"

let test: TestServer
let defaults: TestServer
const clients: Array<TestClient> = []

beforeAll(async () => {
  test = await startTestServer({
    config: { modules: { offline: { max_bytes_per_user: 250_000 }, mam: { enabled: false } } },
  })
  defaults = await startTestServer({ config: { modules: { mam: { enabled: false } } } })
  for (const server of [test, defaults])
    for (const name of ["alice", "bob"]) await server.addUser(name, `${name}-pass`)
})
afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop()))
  await test.stop()
  await defaults.stop()
})

const online = async (username: string, resource: string, priority?: number, server = test) => {
  const client = await login(server, username, resource, priority)
  clients.push(client)
  return client
}

const body = (name: string) => `${name}-${"z".repeat(100_000)}`
const errorsOf = (client: TestClient) =>
  client.received.filter((stanza) => stanza.attrs.type === "error")

describe("offline storage byte quota", () => {
  it("bounces resource-constraint (wait) for what does not fit, keeps what did, and takes more after delivery", async () => {
    const alice = await online("alice", "desk", 0)
    for (const id of ["k1", "k2", "k3"]) await alice.send(chat("bob@localhost", id, body(id)))
    const bounce = await alice.waitFor(
      (stanza) => stanza.attrs.id === "k3" && stanza.attrs.type === "error",
    )
    expect(conditionOf(bounce)).toBe("resource-constraint")
    expect(bounce.getChild("error")?.attrs.type).toBe("wait")
    expect(bounce.getChild("error")?.getChildText("text")).toContain("250000 bytes")
    await roundTrip(alice)
    expect(errorsOf(alice)).toHaveLength(1)

    const bob = await online("bob", "phone", 0)
    await bob.waitFor((stanza) => stanza.getChildText("body") === body("k2"))
    await roundTrip(bob)
    expect(bodies(bob)).toEqual([body("k1"), body("k2")])
    await bob.stop()

    // Delivered messages no longer count: the next ones fit again.
    await alice.send(chat("bob@localhost", "k4", body("k4")))
    await roundTrip(alice)
    expect(errorsOf(alice)).toHaveLength(1)
    const again = await online("bob", "tablet", 0)
    await again.waitFor((stanza) => stanza.getChildText("body") === body("k4"))
  })

  it("holds at most 16 MiB per user by default: the message past it bounces, none before it", async () => {
    const alice = await online("alice", "flood", 0, defaults)
    const big = "w".repeat(250_000)
    let sent = 0
    for (; sent < 80 && errorsOf(alice).length === 0; sent++) {
      await alice.send(chat("bob@localhost", `f${sent}`, big))
      await roundTrip(alice)
    }
    // Every message sent has its outcome, stored or bounced (a write commits a round trip later
    // on PostgreSQL, so a few more may have been sent before the first bounce came back).
    await vi.waitFor(
      async () =>
        expect(
          expectValue(await defaults.server.repositories.offline.count("bob")) +
            errorsOf(alice).length,
        ).toBe(sent),
      { timeout: 30_000 },
    )
    const bounced = Number(errorsOf(alice)[0]?.attrs.id?.slice(1))
    const rows = expectValue(await defaults.server.repositories.offline.list("bob"))
    const stored = {
      n: rows.length,
      bytes: rows.reduce((sum, row) => sum + Buffer.byteLength(row.stanza), 0),
    }
    expect(bounced).toBe(stored?.n)
    expect(stored?.bytes).toBeLessThanOrEqual(16 * 1024 * 1024)
    expect(stored?.bytes).toBeGreaterThan(16 * 1024 * 1024 - 251_000)
    expect(conditionOf(errorsOf(alice)[0] as XmlElement)).toBe("resource-constraint")
  }, 120_000)
})
