// A graceful stop does not lose an AMP message still being processed (spec/server.md, graceful
// shutdown): the streams close, then the messages already read finish their processing (the
// modules' `drain`, at most `[server] shutdown_drain_seconds`, logged when exceeded), and only
// then do the modules and the storage close. Without XEP-0198 nothing else would bring such a
// message back. A test module holds the offline write of a marked message, so the message is
// surely in the AMP plugin when the stop begins.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, expect, it } from "vitest"
import {
  type LogFields,
  makeJsonLogger,
  type OfflineStore,
  type ServerModule,
} from "../../src/index.js"
import { startTestServerIn, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { login, roundTrip } from "../offline/clients.js"
import { ampMessage, ampOf, befriend, rule, withId } from "./ampClients.js"

const MARKER = "HOLD-AT-STOP"

/** Where the held write is: reached by the marked message, released by the test or the drain. */
interface Hold {
  readonly reached: Promise<void>
  /** Lets the write go on to the real offline storage. */
  release(): void
  /** Ends the write as failed without touching the storage (it may be closed by then). */
  abandon(): void
}

/**
 * A module that wraps the offline store (`provides.offline`, installed after the offline
 * module): the write of a message whose body holds MARKER waits for the hold. With
 * `releaseOnDrain` its `drain` hook releases it: the stop's drain is under way. (Every offline
 * outcome reaches the `storageOutcome` hooks twice through the wrapper; no module here acts
 * on it: no push registration.)
 */
const holdingModule = (releaseOnDrain: boolean): { module: ServerModule; hold: Hold } => {
  let reach = (): void => undefined
  const reached = new Promise<void>((resolve) => {
    reach = resolve
  })
  let settle: (go: boolean) => void = () => undefined
  const decided = new Promise<boolean>((resolve) => {
    settle = resolve
  })
  const hold: Hold = { reached, release: () => settle(true), abandon: () => settle(false) }
  const module: ServerModule = {
    name: "hold_offline_write",
    setup: async (api) => {
      const inner = api.stores.offline
      if (inner === undefined) throw new Error("the offline module is off")
      const held: OfflineStore = {
        ...inner,
        store: async (username, stanza, options) => {
          if (!(stanza.getChildText("body") ?? "").includes(MARKER))
            return inner.store(username, stanza, options)
          reach()
          if (await decided) return inner.store(username, stanza, options)
          return { ok: false, reason: "failed", text: "abandoned by the test" }
        },
      }
      return {
        provides: { offline: held },
        ...(releaseOnDrain ? { drain: async () => hold.release() } : {}),
      }
    },
  }
  return { module, hold }
}

const dataDir = mkdtempSync(join(tmpdir(), "xmpp-amp-amp-stop-drain-"))
const clients: Array<TestClient> = []
const servers: Array<TestServer> = []
const holds: Array<Hold> = []
afterEach(async () => {
  for (const hold of holds.splice(0)) hold.abandon()
  await Promise.all(clients.splice(0).map((client) => client.stop()))
  for (const server of servers.splice(0)) await server.stop().catch(() => undefined)
  rmSync(dataDir, { recursive: true, force: true })
})

const start = async (
  options: { module?: ServerModule; drainSeconds?: number; lines?: Array<LogFields> } = {},
): Promise<TestServer> => {
  const lines = options.lines
  const server = await startTestServerIn(dataDir, {
    config: { server: { shutdown_drain_seconds: options.drainSeconds ?? 10 } },
    ...(options.module === undefined ? {} : { modules: [options.module] }),
    ...(lines === undefined
      ? {}
      : {
          logger: makeJsonLogger({
            level: "warn",
            write: (line) => void lines.push(JSON.parse(line) as LogFields),
          }),
        }),
  })
  servers.push(server)
  return server
}

const online = async (server: TestServer, username: string, resource: string) => {
  const client = await login(server, username, resource, 0)
  clients.push(client)
  return client
}

const notifyStored = [rule("deliver", "stored", "notify")]

/** Alice sends a marked AMP message to bob (offline); resolves once its write is held. */
const sendHeld = async (server: TestServer, hold: Hold): Promise<void> => {
  for (const user of ["alice", "bob"]) await server.addUser(user, `${user}-pass`)
  await befriend(server, "alice", "bob")
  const alice = await online(server, "alice", "desk")
  await alice.send(ampMessage("bob@localhost", "held1", notifyStored, `${MARKER} one`))
  await roundTrip(alice)
  await hold.reached
}

it("stopping while an AMP message is processed: it is stored, and its notify comes after the restart", async () => {
  const { module, hold } = holdingModule(true)
  holds.push(hold)
  const first = await start({ module })
  await sendHeld(first, hold)
  // Before the fix the stop interrupted the plugin's fiber ("All fibers interrupted"): the
  // held write, ended once the stop is done, stored nothing.
  const stopping = first.stop()
  await stopping.finally(() => hold.abandon())
  servers.splice(0)

  const second = await start()
  const bob = await online(second, "bob", "phone")
  const message = await bob.waitFor((stanza) => stanza.attrs.id === "held1")
  expect(message.getChildText("body")).toBe(`${MARKER} one`)
  const alice = await online(second, "alice", "laptop")
  const notify = await alice.waitFor((stanza) => stanza.attrs.id === "held1")
  expect(ampOf(notify)).toEqual({
    status: "notify",
    from: "alice@localhost/desk",
    to: "bob@localhost",
    rules: notifyStored,
  })
  await roundTrip(bob)
  expect(withId(bob, "held1")).toHaveLength(1)
}, 30_000)

it("a drain longer than shutdown_drain_seconds is cut and logged", async () => {
  const { module, hold } = holdingModule(false)
  holds.push(hold)
  const lines: Array<LogFields> = []
  const first = await start({ module, drainSeconds: 1, lines })
  await sendHeld(first, hold)
  const began = Date.now()
  await first.stop()
  servers.splice(0)
  expect(Date.now() - began).toBeGreaterThanOrEqual(1000)
  expect(lines.filter((line) => line.event === "shutdown-drain-timeout")).toEqual([
    expect.objectContaining({ level: "warn", modules: ["amp"], ms: 1000 }),
  ])
}, 30_000)
