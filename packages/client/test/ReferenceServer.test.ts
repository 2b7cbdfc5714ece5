// End to end against the project's reference server (packages/xmpp-server) started on
// loopback with its AMP module turned off, with a real @xmpp/client logging in over SCRAM:
// how the plugin behaves against a real server without AMP: discovery
// answered by the server's own disco handler, the fail-fast refusal, and a recipient's plugin
// handling a message that still carries <amp/> (a server without AMP passes it through).
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Client, client } from "@xmpp/client"
import xml from "@xmpp/xml"
import {
  builtinModuleNames,
  createUserRecord,
  makeConfig,
  type RunningServer,
  silentLogger,
  startServer,
} from "@xmpp-amp/xmpp-server"
import { afterAll, beforeAll, expect, it } from "vitest"
import { type AmpClient, amp, recipes } from "../src/index.js"

let server: RunningServer
let dataDir: string
let xmpp: Client
let messages: AmpClient
let juliet: Client
let julietMessages: AmpClient

const connect = (username: string, password: string): Client => {
  const connection = client({
    service: `xmpp://127.0.0.1:${server.ports.c2s ?? 0}`,
    domain: "localhost",
    username,
    password,
  })
  connection.on("error", () => undefined)
  return connection
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "xmpp-amp-client-"))
  const config = makeConfig(
    {
      server: { domain: "localhost", data_dir: dataDir, shutdown_grace_seconds: 1 },
      // Every listener on an ephemeral loopback port, so parallel runs never collide.
      listen: {
        c2s: { host: "127.0.0.1", port: 0, tls: "off" },
        websocket: { host: "127.0.0.1", port: 0 },
      },
      modules: { amp: { enabled: false } },
    },
    { moduleNames: builtinModuleNames },
  )
  server = await startServer({ config, logger: silentLogger })
  await server.repositories.accounts.create(createUserRecord("romeo", "Wherefore-art-thou"))
  await server.repositories.accounts.create(createUserRecord("juliet", "Parting-is-such"))
  xmpp = connect("romeo", "Wherefore-art-thou")
  messages = amp(xmpp)
  juliet = connect("juliet", "Parting-is-such")
  julietMessages = amp(juliet)
  await Promise.all([xmpp.start(), juliet.start()])
  // Juliet is available once the server echoes her initial presence back to her.
  const available = new Promise<void>((resolve) =>
    juliet.on("stanza", ((stanza: { name: string }) => {
      if (stanza.name === "presence") resolve()
    }) as never),
  )
  await juliet.send(xml("presence"))
  await available
})

afterAll(async () => {
  // Guarded: when start-up failed, the hook above left these unset.
  messages?.stop()
  julietMessages?.stop()
  await xmpp?.stop().catch(() => undefined)
  await juliet?.stop().catch(() => undefined)
  await server?.stop()
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true })
})

it("discovers that the reference server with AMP turned off offers no AMP", async () => {
  const support = await messages.support()
  expect(support).toMatchObject({
    available: false,
    advertisedInDisco: false,
    streamFeature: false,
    actions: [],
    conditions: [],
  })
})

it("refuses to send rules to it, before anything reaches the server", async () => {
  const message = xml("message", { to: "juliet@localhost", type: "chat" }, xml("body", {}, "hi"))
  await expect(messages.send(message, recipes.transient())).rejects.toMatchObject({
    reason: "amp-unavailable",
  })
  expect(message.getChild("amp")).toBeUndefined()
})

it("a message sent anyway (checkSupport: false) reaches the recipient with its <amp/>, who is told", async () => {
  const seen = new Promise<readonly unknown[]>((resolve) =>
    julietMessages.on("amp-in-message", (message) => resolve(message.rules)),
  )
  const message = xml("message", { to: "juliet@localhost", type: "chat" }, xml("body", {}, "hi"))
  const tracker = await messages.send(message, recipes.trackDelivery(["stored"]), {
    checkSupport: false,
  })
  expect(await seen).toEqual([{ action: "notify", condition: "deliver", value: "stored" }])
  // A server without AMP never answers: the outcome is a timeout with no event.
  expect(await tracker.outcome({ timeout: 200 })).toMatchObject({ type: "timeout", events: [] })
})

it("the server's bounce for an unknown recipient reaches the tracker as a bounced event", async () => {
  const message = xml("message", { to: "nobody@localhost", type: "chat" }, xml("body", {}, "hi"))
  const tracker = await messages.send(message, recipes.trackDelivery(), { checkSupport: false })
  expect(await tracker.outcome({ timeout: 5_000 })).toMatchObject({
    type: "bounced",
    condition: "service-unavailable",
  })
})
