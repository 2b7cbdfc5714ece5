// A cluster node's connection to NATS (issue 23 items 1 and 3, spec/cluster.md guarantee 7),
// with real server processes, a private nats-server and the run's private PostgreSQL
// (test/helpers/clusterBed.ts): two nodes started together on one fresh database migrate it
// once (under the lock) and both accept logins; a node that cannot reach NATS at start exits 1
// with one line naming the URL, and starts again with its name and ports once NATS is back;
// `[cluster] enabled` on SQLite is a configuration error, and an unreachable PostgreSQL one
// line naming it; NATS
// stopped while they run: each node logs `cluster-down` once, a new login gets the stream
// error `internal-server-error` "cluster unavailable" at once, an open session still chats with
// a user on the same node; NATS back: `cluster-up`, logins work again, also across nodes, and
// no node restarted.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type XmlElement, xml } from "../../src/index.js"
import { runCli } from "../cli/runCli.js"
import { ServerExitedEarly } from "../crash/cliServer.js"
import { type ClusterBed, type ClusterNode, startClusterBed } from "../helpers/clusterBed.js"
import { freePort } from "../helpers/freePort.js"
import { clientHeader, openRaw } from "../helpers/rawSocket.js"
import { connectClient, type TestClient } from "../helpers/xmppClient.js"

let bed: ClusterBed
const clients: Array<TestClient> = []

beforeAll(async () => {
  bed = await startClusterBed({ nodes: 2, start: false })
  await bed.addUsers(["alice", "bob", "carol", "dave"], "pw")
}, 120_000)
afterAll(async () => {
  await Promise.all(clients.splice(0).map((client) => client.stop()))
  await bed?.stop()
}, 60_000)

const online = async (node: ClusterNode, username: string, resource: string) => {
  const client = await connectClient({
    ...node.client(username, "pw", resource),
    mechanism: "PLAIN",
  })
  clients.push(client)
  return client
}

/** Opens a stream on the node and answers what came back: features, or a stream error. */
const streamAnswer = async (node: ClusterNode): Promise<string> => {
  const connection = await openRaw(node.ports.c2s)
  try {
    connection.send(clientHeader("localhost"))
    return await connection.waitFor(/<\/stream:features>|<\/stream:stream>/, 10_000)
  } finally {
    connection.destroy()
  }
}

const refusedForCluster =
  /<stream:error[^>]*><internal-server-error xmlns='urn:ietf:params:xml:ns:xmpp-streams'\/><text [^>]*>cluster unavailable<\/text><\/stream:error>/

const chat = (to: string, body: string): XmlElement =>
  xml("message", { to, type: "chat", id: body }, xml("body", {}, body))
const withBody = (body: string) => (stanza: XmlElement) => stanza.getChildText("body") === body

describe("a cluster node and NATS", () => {
  it("starts two nodes together on one fresh database, migrated once, and both accept logins", async () => {
    await Promise.all(bed.nodes.map((node) => node.start()))
    for (const node of bed.nodes) {
      const connected = await node.waitForEvent("cluster-connected")
      expect(connected).toMatchObject({ node: node.name, nats: bed.nats.url })
    }
    // Both migrated the empty database at once; the lock let each step be applied once.
    const database = new pg.Client({ connectionString: bed.databaseUrl })
    await database.connect()
    try {
      const steps = await database.query<{ module: string; step: number; times: string }>(
        "SELECT module, step, count(*) AS times FROM schema_migrations GROUP BY module, step",
      )
      expect(steps.rows.length).toBeGreaterThan(0)
      expect(steps.rows.filter((row) => row.times !== "1")).toEqual([])
    } finally {
      await database.end()
    }
    const alice = await online(bed.node("n1"), "alice", "a1")
    const bob = await online(bed.node("n2"), "bob", "b1")
    expect(alice.jid).toBe("alice@localhost/a1")
    expect(bob.jid).toBe("bob@localhost/b1")
  }, 120_000)

  it("exits 1 with one line naming the NATS URL when NATS cannot be reached at start", async () => {
    const node = bed.node("n1")
    await node.kill("SIGKILL")
    await bed.node("n2").kill("SIGTERM")
    await bed.nats.stop()
    const failure = await node.start().then(
      () => new Error("the node started without NATS"),
      (error: unknown) => error,
    )
    expect(failure).toBeInstanceOf(ServerExitedEarly)
    const { code, stderr } = failure as ServerExitedEarly
    expect(code).toBe(1)
    // The server's JSON log lines (storage opened) may come first; the failure is one line.
    const lines = stderr.trim().split("\n")
    const last = lines.at(-1) ?? ""
    expect(last.startsWith(`xmpp-amp-server: cannot reach NATS at ${bed.nats.url}: `)).toBe(true)
    expect(last).toMatch(/: connection refused \(see \[cluster\] nats\)$/)
    expect(lines.filter((line) => !line.startsWith("{"))).toEqual([last])
    expect(node.running()).toBe(false)

    // NATS back: both nodes start again with their names and ports.
    await bed.nats.restart()
    await Promise.all(bed.nodes.map((each) => each.start()))
    const again = await online(node, "alice", "again")
    expect(again.jid).toBe("alice@localhost/again")
  }, 120_000)

  it("refuses new logins while NATS is away, keeps open sessions, and recovers by itself", async () => {
    const n1 = bed.node("n1")
    const n2 = bed.node("n2")
    const pids = bed.nodes.map((node) => node.pid())
    const alice = await online(n1, "alice", "outage")
    const carol = await online(n1, "carol", "outage")
    await alice.send(chat("carol@localhost/outage", "before"))
    await carol.waitFor(withBody("before"), 10_000)

    await bed.nats.stop()
    for (const node of bed.nodes) {
      const down = await node.waitForEvent("cluster-down")
      expect(down).toMatchObject({ level: "error", node: node.name, nats: bed.nats.url })
      expect(String(down.note)).toContain("new logins are refused")
    }
    // A new stream on either node: refused at once, before any feature is offered.
    for (const node of [n1, n2]) expect(await streamAnswer(node)).toMatch(refusedForCluster)
    await expect(online(n2, "dave", "during")).rejects.toThrow()
    // The open sessions on n1 still talk to each other, both ways.
    await alice.send(chat("carol@localhost/outage", "during-1"))
    await carol.waitFor(withBody("during-1"), 10_000)
    await carol.send(chat("alice@localhost/outage", "during-2"))
    await alice.waitFor(withBody("during-2"), 10_000)
    // Logged once, however many logins were refused.
    for (const node of bed.nodes) expect(node.events("cluster-down")).toHaveLength(1)

    await bed.nats.restart()
    for (const node of bed.nodes) {
      const up = await node.waitForEvent("cluster-up")
      expect(up).toMatchObject({ node: node.name })
      expect(up.down_ms).toBeGreaterThan(0)
    }
    for (const node of [n1, n2]) expect(await streamAnswer(node)).toContain("</stream:features>")
    const dave = await online(n2, "dave", "after")
    expect(dave.jid).toBe("dave@localhost/after")
    await alice.send(chat("carol@localhost/outage", "after"))
    await carol.waitFor(withBody("after"), 10_000)
    // And across nodes again: n1 learns of the session bound on n2 after the outage.
    await alice.send(chat("dave@localhost/after", "across"))
    await dave.waitFor(withBody("across"), 15_000)
    // Nobody restarted a node.
    expect(bed.nodes.map((node) => node.pid())).toEqual(pids)
    expect(bed.nodes.every((node) => node.running())).toBe(true)
  }, 120_000)
})

describe("a cluster node's configuration at start", () => {
  const directory = mkdtempSync(join(tmpdir(), "xmpp-amp-cluster-config-"))
  afterAll(() => rmSync(directory, { recursive: true, force: true }))

  it("[cluster] enabled on SQLite is a configuration error naming cluster.enabled, exit 2", async () => {
    const config = join(directory, "node.toml")
    writeFileSync(
      config,
      `[server]\ndata_dir = "data"\n[cluster]\nenabled = true\nnode = "n1"\nnats = ["${bed.nats.url}"]\n`,
    )
    const result = await runCli(["start", "--config", config], directory)
    expect(result.code).toBe(2)
    const lines = result.stderr.trim().split("\n")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain("configuration error")
    expect(lines[0]).toContain("cluster.enabled")
    expect(lines[0]).toContain('backend = "postgres"')
  }, 60_000)

  it("exits 1 with one line naming the database when PostgreSQL cannot be reached", async () => {
    const port = await freePort()
    const config = join(directory, "unreachable.toml")
    writeFileSync(
      config,
      [
        "[server]",
        'data_dir = "unreachable"',
        "[storage]",
        'backend = "postgres"',
        `url = "postgres://xmpp:hunter2@127.0.0.1:${port}/xmpp"`,
        "[cluster]",
        "enabled = true",
        'node = "n9"',
        `nats = ["${bed.nats.url}"]`,
      ].join("\n"),
    )
    const result = await runCli(["start", "--config", config], directory)
    expect(result.code).toBe(1)
    const lines = result.stderr.trim().split("\n")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(`postgres://xmpp:***@127.0.0.1:${port}/xmpp`)
    expect(lines[0]).toContain("ECONNREFUSED")
    expect(result.stderr).not.toContain("hunter2")
  }, 60_000)
})
