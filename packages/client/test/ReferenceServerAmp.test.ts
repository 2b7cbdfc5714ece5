// End to end against the reference server (packages/xmpp-server) with its `amp` module (the
// @xmpp-amp/server-plugin) mounted: real @xmpp/client sessions over TCP and SCRAM, discovery
// from the server's disco and stream features, and each event type from a real scenario.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Client, client } from "@xmpp/client"
import xml, { type Element } from "@xmpp/xml"
import {
  builtinModuleNames,
  createUserRecord,
  makeConfig,
  type RunningServer,
  silentLogger,
  startServer,
} from "@xmpp-amp/xmpp-server"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type AmpClient, amp, recipes, rule } from "../src/index.js"

interface Running {
  readonly server: RunningServer
  readonly dataDir: string
  readonly clients: Client[]
}

const startReference = async (ampTable: Record<string, unknown>): Promise<Running> => {
  const dataDir = mkdtempSync(join(tmpdir(), "xmpp-amp-client-amp-"))
  const config = makeConfig(
    {
      server: { domain: "localhost", data_dir: dataDir, shutdown_grace_seconds: 1 },
      // Every listener on an ephemeral loopback port, so parallel runs never collide.
      listen: {
        c2s: { host: "127.0.0.1", port: 0, tls: "off" },
        websocket: { host: "127.0.0.1", port: 0 },
      },
      modules: { amp: ampTable },
    },
    { moduleNames: builtinModuleNames },
  )
  const server = await startServer({ config, logger: silentLogger })
  for (const name of ["romeo", "juliet", "nurse"]) {
    await server.repositories.accounts.create(createUserRecord(name, `${name}-secret`))
  }
  return { server, dataDir, clients: [] }
}

/** Connects `name` (resource given) and announces presence; resolves once the server echoed it. */
const login = async (running: Running, name: string, resource: string) => {
  const connection = client({
    service: `xmpp://127.0.0.1:${running.server.ports.c2s ?? 0}`,
    domain: "localhost",
    username: name,
    password: `${name}-secret`,
    resource,
  })
  connection.on("error", () => undefined)
  running.clients.push(connection)
  const messages = amp(connection)
  const received: Element[] = []
  connection.on("stanza", ((stanza: Element) => received.push(stanza)) as never)
  await connection.start()
  const available = new Promise<void>((resolve) =>
    connection.on("stanza", ((stanza: Element) => {
      if (stanza.name === "presence") resolve()
    }) as never),
  )
  await connection.send(xml("presence"))
  await available
  return { connection, messages, received }
}

const stopReference = async (running: Running | undefined) => {
  if (running === undefined) return
  for (const connection of running.clients) await connection.stop().catch(() => undefined)
  await running.server.stop()
  rmSync(running.dataDir, { recursive: true, force: true })
}

const chat = (to: string) =>
  xml("message", { to, type: "chat" }, xml("body", {}, "Wherefore art thou?"))

describe("reference server with AMP (presence check off)", () => {
  let running: Running
  let romeo: AmpClient
  let juliet: Awaited<ReturnType<typeof login>>
  beforeAll(async () => {
    running = await startReference({ presence_check: false })
    romeo = (await login(running, "romeo", "orchard")).messages
    juliet = await login(running, "juliet", "balcony")
  })
  afterAll(async () => {
    await stopReference(running)
  })

  it("discovers AMP from disco#info, the AMP node and the stream feature", async () => {
    expect(romeo.streamFeature).toBe(true)
    expect(await romeo.support()).toMatchObject({
      available: true,
      advertisedInDisco: true,
      streamFeature: true,
      actions: ["alert", "drop", "error", "notify"],
      conditions: ["deliver", "expire-at", "match-resource"],
      assumed: false,
    })
  })

  it("notified direct; the recipient's copy has no <amp/>", async () => {
    const tracker = await romeo.send(chat("juliet@localhost"), recipes.trackDelivery())
    expect(await tracker.outcome({ timeout: 5_000 })).toMatchObject({
      type: "notified",
      value: "direct",
    })
    const copy = juliet.received.find((stanza) => stanza.attrs.id === tracker.id)
    expect(copy?.getChildText("body")).toBe("Wherefore art thou?")
    expect(copy?.getChild("amp")).toBeUndefined()
  })

  it("notified stored for an offline recipient", async () => {
    const tracker = await romeo.send(chat("nurse@localhost"), recipes.trackDelivery(["stored"]))
    expect(await tracker.outcome({ timeout: 5_000 })).toMatchObject({
      type: "notified",
      value: "stored",
    })
  })

  it("notified none for an unknown user", async () => {
    const tracker = await romeo.send(chat("nobody@localhost"), recipes.trackDelivery())
    expect(await tracker.outcome({ timeout: 5_000 })).toMatchObject({
      type: "notified",
      value: "none",
    })
  })

  it("alerted: a transient message that would be stored", async () => {
    const tracker = await romeo.send(
      chat("nurse@localhost"),
      recipes.transient({ report: "alert" }),
    )
    expect(await tracker.outcome({ timeout: 5_000 })).toMatchObject({
      type: "alerted",
      rule: { action: "alert", condition: "deliver", value: "stored" },
    })
  })

  it("failed: reliable delivery to an absent resource while another one is online", async () => {
    const tracker = await romeo.send(chat("juliet@localhost/pda"), recipes.reliableDelivery())
    expect(await tracker.outcome({ timeout: 5_000 })).toMatchObject({
      type: "failed",
      rule: { action: "error", condition: "match-resource", value: "other" },
    })
  })

  it("alerted later: expire-at fires while the message waits in offline storage", async () => {
    const tracker = await romeo.send(chat("nurse@localhost"), [
      rule.alert.expireAt(Date.now() + 1_000),
    ])
    expect(await tracker.outcome({ timeout: 6_000 })).toMatchObject({
      type: "alerted",
      rule: { condition: "expire-at" },
    })
  })
})

describe("reference server with AMP: a reply that waits for the sender", () => {
  let running: Running
  beforeAll(async () => {
    running = await startReference({ presence_check: false })
  })
  afterAll(async () => {
    await stopReference(running)
  })

  it("a reply produced while the sender is offline reaches the tracker at the next login", async () => {
    const { connection, messages } = await login(running, "romeo", "orchard")
    let discoveries = 0
    messages.on("support-discovered", () => {
      discoveries += 1
    })
    const tracker = await messages.send(chat("nurse@localhost"), [
      rule.alert.expireAt(Date.now() + 600),
    ])
    await connection.stop()
    await new Promise((resolve) => setTimeout(resolve, 1_800))
    await connection.start()
    await connection.send(xml("presence"))
    expect(await tracker.outcome({ timeout: 5_000 })).toMatchObject({
      type: "alerted",
      rule: { condition: "expire-at" },
    })
    expect(discoveries).toBeGreaterThanOrEqual(1)
  })
})

describe("reference server with AMP (presence check on, the default)", () => {
  let running: Running
  beforeAll(async () => {
    running = await startReference({})
  })
  afterAll(async () => {
    await stopReference(running)
  })

  it("rejected not-acceptable when the sender may not see the recipient's presence (§9)", async () => {
    const { messages } = await login(running, "romeo", "orchard")
    const tracker = await messages.send(chat("nurse@localhost"), [
      rule.notify.deliver("stored"),
      rule.drop.deliver("gateway"),
    ])
    expect(await tracker.outcome({ timeout: 5_000 })).toMatchObject({
      type: "rejected",
      kind: "not-acceptable",
      rules: [{ action: "notify", condition: "deliver", value: "stored" }],
    })
  })
})
