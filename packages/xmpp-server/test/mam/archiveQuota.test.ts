// The archive's size and age (issue 25, item 6): `[modules.mam] max_bytes_per_user` refuses a
// copy that does not fit (a message the archive alone would have kept bounces to its sender
// with `service-unavailable`, RFC 6121 §8.5.2.2.1; a delivered one still arrives), and
// `archive_expires_after` leaves older messages out of queries and sweeps them away.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type XmlElement, xml } from "../../src/index.js"
import { failed } from "../../src/storage/repositories/Outcome.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { chat, conditionOf, login, pause, roundTrip } from "../offline/clients.js"

const NS_MAM = "urn:xmpp:mam:2"
let quota: TestServer
let expiring: TestServer
const clients: Array<TestClient> = []

beforeAll(async () => {
  quota = await startTestServer({
    config: { modules: { mam: { max_bytes_per_user: 250_000 }, offline: { enabled: false } } },
  })
  expiring = await startTestServer({
    config: { modules: { mam: { archive_expires_after: "2s" } } },
  })
  for (const server of [quota, expiring])
    for (const name of ["alice", "bob", "carol"]) await server.addUser(name, `${name}-pass`)
})
afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop()))
  await quota.stop()
  await expiring.stop()
})

const online = async (server: TestServer, username: string, resource: string) => {
  const client = await login(server, username, resource, 0)
  clients.push(client)
  return client
}

let queries = 0
/** The bodies of the owner's archived messages (one page of up to 50). */
const archivedBodies = async (client: TestClient): Promise<Array<string>> => {
  queries += 1
  const queryid = `q${queries}`
  await client.iq(xml("iq", { type: "set" }, xml("query", { xmlns: NS_MAM, queryid })))
  return client.received
    .map((stanza) => stanza.getChild("result", NS_MAM))
    .filter((result): result is XmlElement => result?.attrs.queryid === queryid)
    .map((result) => result.getChild("forwarded")?.getChild("message")?.getChildText("body") ?? "")
}

const body = (name: string) => `${name}-${"q".repeat(100_000)}`
const errorsOf = (client: TestClient) =>
  client.received.filter((stanza) => stanza.attrs.type === "error")

/** The copies in the user's archive in the database (expired ones too: no expiry filter here). */
const archivedCopies = async (server: TestServer, username: string) => {
  const page = await server.server.repositories.archive.query(username, { max: 250 })
  if (failed(page) || !page.found) throw new Error(`the archive of ${username} cannot be read`)
  return page
}
const archivedRows = async (server: TestServer, username: string): Promise<number> =>
  (await archivedCopies(server, username)).count

describe("archive byte quota", () => {
  it("bounces service-unavailable when a full archive was all that would keep the message", async () => {
    const alice = await online(quota, "alice", "desk")
    for (const id of ["a1", "a2", "a3"]) await alice.send(chat("bob@localhost", id, body(id)))
    const bounce = await alice.waitFor(
      (stanza) => stanza.attrs.id === "a3" && stanza.attrs.type === "error",
    )
    expect(conditionOf(bounce)).toBe("service-unavailable")
    await roundTrip(alice)
    expect(errorsOf(alice)).toHaveLength(1)
    const bob = await online(quota, "bob", "phone")
    expect(await archivedBodies(bob)).toEqual([body("a1"), body("a2")])
  })

  it("still delivers to an online recipient whose archive is full, and keeps the archive under the quota", async () => {
    const carol = await online(quota, "carol", "laptop")
    const bob = await online(quota, "bob", "desk2")
    await carol.send(chat("bob@localhost/desk2", "c1", body("c1")))
    await bob.waitFor((stanza) => stanza.attrs.id === "c1")
    await roundTrip(carol)
    expect(errorsOf(carol)).toEqual([])
    const used = (await archivedCopies(quota, "bob")).rows
      .map((row) => Buffer.byteLength(row.stanza))
      .reduce((sum, bytes) => sum + bytes, 0)
    expect(used).toBeGreaterThan(0)
    expect(used).toBeLessThanOrEqual(250_000)
    expect(await archivedBodies(bob)).toEqual([body("a1"), body("a2")])
  })
})

describe("archive_expires_after", () => {
  it("leaves expired messages out of queries and sweeps them from the database", async () => {
    const alice = await online(expiring, "alice", "desk")
    const bob = await online(expiring, "bob", "phone")
    await alice.send(chat("bob@localhost", "e1", "soon gone"))
    await bob.waitFor((stanza) => stanza.attrs.id === "e1")
    expect(await archivedBodies(bob)).toEqual(["soon gone"])
    expect(await archivedRows(expiring, "bob")).toBe(1)
    await pause(2100)
    expect(await archivedBodies(bob)).toEqual([])
    expect(await archivedBodies(alice)).toEqual([])
    // The sweep runs every second here (a quarter of the expiry, at least 1 s).
    for (let attempt = 0; attempt < 50 && (await archivedRows(expiring, "bob")) > 0; attempt++)
      await pause(100)
    expect(await archivedRows(expiring, "bob")).toBe(0)
    expect(await archivedRows(expiring, "alice")).toBe(0)
    await alice.send(chat("bob@localhost", "e2", "fresh"))
    await bob.waitFor((stanza) => stanza.attrs.id === "e2")
    expect(await archivedBodies(bob)).toEqual(["fresh"])
  })
})
