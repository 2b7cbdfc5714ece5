// Durability across a restart and the MAM-only setup: offline messages written before a
// stop are delivered after the next start (same data_dir); with offline storage off and MAM
// on, a message to an offline user is archived without a bounce and fetched from the archive.

import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import {
  builtinModuleNames,
  type ConfigInput,
  makeConfig,
  type RunningServer,
  silentLogger,
  startServer,
  xml,
} from "../../src/index.js"
import { accountAdder, type TestServer } from "../helpers/testServer.js"
import { testStorageConfig } from "../helpers/testStorage.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { bodies, chat, login, pause, roundTrip } from "./clients.js"

const dataDir = mkdtempSync(join(tmpdir(), "xmpp-amp-restart-"))
const clients: Array<TestClient> = []
afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop()))
  rmSync(dataDir, { recursive: true, force: true })
})

const start = async (input: ConfigInput = {}): Promise<TestServer> => {
  const config = makeConfig(
    {
      ...(await testStorageConfig(dataDir)),
      ...input,
      server: { data_dir: dataDir, shutdown_grace_seconds: 1 },
      listen: {
        c2s: { host: "127.0.0.1", port: 0 },
        websocket: { host: "127.0.0.1", port: 0 },
        component: { host: "127.0.0.1", port: 0 },
      },
    },
    { moduleNames: builtinModuleNames },
  )
  const server: RunningServer = await startServer({ config, logger: silentLogger })
  return {
    server,
    domain: server.domain,
    c2sPort: server.ports.c2s ?? 0,
    websocketUrl: "",
    dataDir,
    addUser: accountAdder(server),
    stop: () => server.stop(),
  }
}

const online = async (test: TestServer, username: string, resource: string) => {
  const client = await login(test, username, resource, 0)
  clients.push(client)
  return client
}

describe("offline storage across a restart", () => {
  it("delivers after a restart what was stored before the stop", async () => {
    const first = await start()
    await first.addUser("alice", "alice-pass")
    await first.addUser("bob", "bob-pass")
    const alice = await online(first, "alice", "a")
    await alice.send(chat("bob@localhost", "d1", "survives"))
    await roundTrip(alice)
    await first.stop()
    const second = await start()
    const bob = await online(second, "bob", "b")
    await bob.waitFor((stanza) => stanza.getChildText("body") === "survives")
    expect(bodies(bob)).toEqual(["survives"])
    await second.stop()
  })

  it("with MAM only, keeps the message in the archive without a bounce", async () => {
    const test = await start({ modules: { offline: { enabled: false } } })
    await test.addUser("carol", "carol-pass")
    const alice = await online(test, "alice", "a2")
    await alice.send(chat("carol@localhost", "m1", "archived only"))
    await roundTrip(alice)
    await pause(50)
    expect(alice.received.filter((stanza) => stanza.attrs.type === "error")).toEqual([])
    const carol = await online(test, "carol", "c")
    await roundTrip(carol)
    expect(bodies(carol)).toEqual([])
    const fin = await carol.iq(
      xml("iq", { type: "set" }, xml("query", { xmlns: "urn:xmpp:mam:2", queryid: "m" })),
    )
    expect(fin.getChild("fin")?.attrs.complete).toBe("true")
    const result = await carol.waitFor(
      (stanza) => stanza.getChild("result", "urn:xmpp:mam:2") !== undefined,
    )
    expect(
      result.getChild("result")?.getChild("forwarded")?.getChild("message")?.getChildText("body"),
    ).toBe("archived only")
    await test.stop()
  })
})
