// [testing.faults] over the wire: with `mam_write` and `offline_write` on, archive and
// offline writes fail (reported to `storageOutcome`, logged as injected), a message for an
// offline user bounces `internal-server-error` (wait) and a delivered one carries no
// stanza-id; a message containing `socket_write_marker` fails its write and drops the
// recipient's session like a broken connection. Faults are announced loudly at start.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  builtinModuleNames,
  makeConfig,
  makeJsonLogger,
  type RunningServer,
  type ServerModule,
  type StorageOutcomeEvent,
  startServer,
} from "../../src/index.js"
import { accountAdder, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { chat, conditionOf, login, roundTrip } from "../offline/clients.js"

const outcomes: Array<StorageOutcomeEvent> = []
const writes: Array<{ id: string | undefined; to: string; ok: boolean }> = []
const recorder: ServerModule = {
  name: "recorder",
  setup: () => ({
    storageOutcome: (event) => {
      outcomes.push(event)
    },
    stanzaWritten: (session, stanza, ok) => {
      if (stanza.is("message")) writes.push({ id: stanza.attrs.id, to: session.full, ok })
    },
  }),
}

const logLines: Array<{ level: string; event: string; fault?: string }> = []
let server: RunningServer
let test: TestServer
let dataDir: string
const clients: Array<TestClient> = []

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "xmpp-amp-faults-"))
  const config = makeConfig(
    {
      server: { data_dir: dataDir, shutdown_grace_seconds: 1 },
      listen: {
        c2s: { host: "127.0.0.1", port: 0 },
        websocket: { host: "127.0.0.1", port: 0 },
        component: { host: "127.0.0.1", port: 0 },
      },
      testing: { faults: { mam_write: true, offline_write: true, socket_write_marker: "BREAK" } },
    },
    { moduleNames: [...builtinModuleNames, "recorder"] },
  )
  const logger = makeJsonLogger({
    level: "warn",
    write: (line) => logLines.push(JSON.parse(line) as (typeof logLines)[number]),
  })
  server = await startServer({ config, logger, modules: [recorder] })
  for (const name of ["alice", "bob", "carol", "dave"])
    await accountAdder(server)(name, `${name}-pass`)
  test = {
    server,
    domain: server.domain,
    c2sPort: server.ports.c2s ?? 0,
    websocketUrl: "",
    dataDir,
    addUser: accountAdder(server),
    stop: () => server.stop(),
  }
})
afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop()))
  await server.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

const online = async (username: string, resource: string) => {
  const client = await login(test, username, resource, 0)
  clients.push(client)
  return client
}

describe("testing faults", () => {
  it("are announced loudly at start", () => {
    expect(logLines).toContainEqual(
      expect.objectContaining({ level: "warn", event: "testing-faults-enabled" }),
    )
  })

  it("offline_write: a message for an offline user bounces internal-server-error (wait)", async () => {
    const alice = await online("alice", "a")
    await alice.send(chat("bob@localhost", "o1", "lost?"))
    const bounce = await alice.waitFor(
      (stanza) => stanza.attrs.id === "o1" && stanza.attrs.type === "error",
    )
    expect(conditionOf(bounce)).toBe("internal-server-error")
    expect(bounce.getChild("error")?.attrs.type).toBe("wait")
    const failed = outcomes.filter((event) => event.stanzaId === "o1" && !event.result.ok)
    expect(failed.map((event) => [event.store, event.owner])).toEqual([
      ["archive", "alice"],
      ["archive", "bob"],
      ["offline", "bob"],
    ])
    expect(logLines).toContainEqual(
      expect.objectContaining({ event: "testing-fault-injected", fault: "offline_write" }),
    )
  })

  it("mam_write: a delivered message has no stanza-id and archive-failed is reported", async () => {
    const alice = await online("alice", "a2")
    const carol = await online("carol", "c")
    await alice.send(chat("carol@localhost", "m1", "unarchived"))
    const got = await carol.waitFor((stanza) => stanza.getChildText("body") === "unarchived")
    expect(got.getChild("stanza-id", "urn:xmpp:sid:0")).toBeUndefined()
    expect(
      outcomes.some(
        (event) => event.stanzaId === "m1" && event.store === "archive" && !event.result.ok,
      ),
    ).toBe(true)
    await roundTrip(alice)
  })

  it("socket_write_marker: the write fails and the recipient's session is dropped", async () => {
    const alice = await online("alice", "a3")
    const dave = await online("dave", "d")
    await alice.send(chat("dave@localhost/d", "w1", "please BREAK here"))
    await dave.offline
    await roundTrip(alice)
    expect(writes).toContainEqual({ id: "w1", to: "dave@localhost/d", ok: false })
    expect(dave.received.some((stanza) => stanza.attrs.id === "w1")).toBe(false)
    const fine = await online("dave", "d2")
    await alice.send(chat("dave@localhost/d2", "w2", "all good"))
    await fine.waitFor((stanza) => stanza.getChildText("body") === "all good")
  })
})
