// Offline storage counted in bytes (issue 25, item 6): `[modules.offline] max_bytes_per_user`
// bounces a message that does not fit with `resource-constraint` (type `wait`, as the message
// count quota does), keeps what fit, and takes messages again once they were delivered.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { bodies, chat, conditionOf, login, roundTrip } from "./clients.js"

let test: TestServer
const clients: Array<TestClient> = []

beforeAll(async () => {
  test = await startTestServer({
    config: { modules: { offline: { max_bytes_per_user: 250_000 }, mam: { enabled: false } } },
  })
  for (const name of ["alice", "bob"]) test.addUser(name, `${name}-pass`)
})
afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop()))
  await test.stop()
})

const online = async (username: string, resource: string, priority?: number) => {
  const client = await login(test, username, resource, priority)
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
})
