// XEP-0079 `expire-at` across a restart (spec/amp.md §4: pending rules are durable) and an
// independent client: a rule due while the server was stopped fires after the next start
// (the message is removed, the sender, offline meanwhile, gets the alert at login); a rule
// not yet due lets the message through at login. slixmpp sends AMP and reads the replies.

import { execFile } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it, onTestFinished } from "vitest"
import { builtinModuleNames, makeConfig, silentLogger, startServer } from "../../src/index.js"
import { accountAdder, type TestServer } from "../helpers/testServer.js"
import { testStorageConfig } from "../helpers/testStorage.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { login, pause, roundTrip } from "../offline/clients.js"
import { ampMessage, ampOf, befriend, rule, withId } from "./ampClients.js"

const dataDir = mkdtempSync(join(tmpdir(), "xmpp-amp-amp-restart-"))
const clients: Array<TestClient> = []
const servers: Array<TestServer> = []
afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop()))
  for (const server of servers) await server.server.stop().catch(() => undefined)
  rmSync(dataDir, { recursive: true, force: true })
})

const start = async (): Promise<TestServer> => {
  const config = makeConfig(
    {
      ...(await testStorageConfig(dataDir)),
      server: { data_dir: dataDir, shutdown_grace_seconds: 1 },
      listen: {
        c2s: { host: "127.0.0.1", port: 0 },
        websocket: { host: "127.0.0.1", port: 0 },
      },
      modules: { amp: { expiry_check_ms: 50 } },
    },
    { moduleNames: builtinModuleNames },
  )
  const server = await startServer({ config, logger: silentLogger })
  const test: TestServer = {
    server,
    domain: server.domain,
    c2sPort: server.ports.c2s ?? 0,
    websocketUrl: "",
    dataDir,
    addUser: accountAdder(server),
    stop: () => server.stop(),
  }
  servers.push(test)
  return test
}

const online = async (server: TestServer, username: string, resource: string) => {
  const client = await login(server, username, resource, 0)
  clients.push(client)
  return client
}

const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString()

describe("expire-at across a restart", () => {
  it("fires after the restart for a rule due while stopped; a rule not due lets the message through", async () => {
    const first = await start()
    for (const user of ["alice", "dave"]) await first.addUser(user, `${user}-pass`)
    await befriend(first, "alice", "dave")
    const alice = await online(first, "alice", "desk")
    const late = [rule("expire-at", inSeconds(0.8), "alert")]
    const early = [rule("expire-at", inSeconds(30), "alert")]
    await alice.send(ampMessage("dave@localhost", "r1", late))
    await alice.send(ampMessage("dave@localhost", "r2", early))
    await roundTrip(alice)
    await pause(100)
    await alice.stop()
    await first.stop()
    await pause(1000)

    const second = await start()
    await pause(300)
    const dave = await online(second, "dave", "phone")
    await dave.waitFor((s) => s.attrs.id === "r2")
    await roundTrip(dave)
    await pause(150)
    expect(withId(dave, "r1")).toEqual([])
    const back = await online(second, "alice", "other")
    const alert = await back.waitFor((s) => s.attrs.id === "r1")
    expect(ampOf(alert)).toMatchObject({
      status: "alert",
      from: "alice@localhost/desk",
      rules: late,
    })
    await roundTrip(back)
    await pause(150)
    expect(withId(back, "r2")).toEqual([])
    // One server per data_dir: the next test starts its own on the same directory.
    await second.stop()
  })
})

interface SlixmppReply {
  readonly from: string
  readonly type: string
  readonly status: string | null
  readonly rules: ReadonlyArray<Record<string, string>>
  readonly error: ReadonlyArray<string> | null
}

const runSlixmppAmp = (
  options: object,
): Promise<{ replies: SlixmppReply[]; failure: string | null }> =>
  new Promise((resolve, reject) => {
    const script = fileURLToPath(new URL("./slixmpp_amp.py", import.meta.url))
    const child = execFile(
      "/usr/bin/python3",
      [script, JSON.stringify(options)],
      { timeout: 20_000 },
      (error, stdout, stderr) => {
        if (error !== null) return reject(new Error(`slixmpp failed: ${error.message}\n${stderr}`))
        resolve(
          JSON.parse(stdout.trim().split("\n").pop() ?? "") as {
            replies: SlixmppReply[]
            failure: string | null
          },
        )
      },
    )
    // Killed once the test is over, passed, failed or timed out: no interpreter left behind.
    onTestFinished(() => {
      child.kill("SIGKILL")
    })
  })

describe("slixmpp", () => {
  it("sends an AMP message and gets the notify reply, and an error for a stranger", async () => {
    const server = await start()
    for (const user of ["sli", "bob", "eve"]) await server.addUser(user, `${user}-pass`)
    await befriend(server, "sli", "bob")
    const bob = await online(server, "bob", "phone")
    const rules = [{ condition: "deliver", value: "direct", action: "notify" }]
    const common = {
      host: "127.0.0.1",
      port: server.c2sPort,
      jid: "sli@localhost/py",
      password: "sli-pass",
      rules,
    }
    const notified = await runSlixmppAmp({ ...common, to: "bob@localhost/phone", id: "py1" })
    expect(notified).toEqual({
      failure: null,
      replies: [{ from: "localhost", type: "normal", status: "notify", rules, error: null }],
    })
    const copy = await bob.waitFor((s) => s.attrs.id === "py1")
    expect(copy.getChildText("body")).toBe("sent by slixmpp")
    expect(copy.getChild("amp")).toBeUndefined()
    const refused = await runSlixmppAmp({ ...common, to: "eve@localhost", id: "py2" })
    expect(refused.replies.map((reply) => [reply.type, reply.status, reply.error])).toEqual([
      ["error", "error", ["not-acceptable", "invalid-rules"]],
    ])
  }, 40_000)
})
