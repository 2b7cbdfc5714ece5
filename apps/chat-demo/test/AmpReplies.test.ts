// The delivery options' rules sent through the real AMP server plugin (@xmpp-amp/server-plugin
// on its in-memory host) and its replies read by the real client plugin: the status the sender
// then sees, for each scenario of XEP-0079 §5 the app offers (stored, transient, expiring,
// exact device) and for a refused request (§9 presence check).

import xml, { type Element } from "@xmpp/xml"
import { type AmpEvent, amp } from "@xmpp-amp/client"
import { type AmpPluginHandle, startAmpPlugin } from "@xmpp-amp/server-plugin"
import { InMemoryHost } from "@xmpp-amp/server-plugin/test"
import { afterEach, describe, expect, it } from "vitest"
import { type DeliveryOptions, noDeliveryOptions, rulesFor } from "../src/model/DeliveryOptions.js"
import {
  advance,
  type MessageStatus,
  sentStatus,
  statusFromEvent,
} from "../src/model/MessageStatus.js"

const ALICE = "alice@localhost/web"
const BOB = "bob@localhost"
const AMP_NS = "http://jabber.org/protocol/amp"
const stops: Array<() => Promise<void>> = []

afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
})

/** The client plugin on a minimal @xmpp/client stand-in; `receive` passes it a stanza. */
const clientPlugin = () => {
  const handlers: Array<(context: { stanza: Element }, next: () => unknown) => unknown> = []
  const client = amp(
    {
      entity: {
        jid: { domain: "localhost", toString: () => ALICE },
        send: async () => undefined,
        on: () => undefined,
        removeListener: () => undefined,
      },
      middleware: { use: (handler) => handlers.push(handler) },
      iqCaller: { request: () => Promise.reject(new Error("no discovery in this test")) },
    },
    { discoverOnConnect: false },
  )
  const receive = (stanza: Element): void => {
    for (const handler of handlers) handler({ stanza }, () => undefined)
  }
  return { client, receive }
}

interface Scenario {
  readonly host: InMemoryHost
  readonly server: AmpPluginHandle
  /** Sends a message with `options` and returns a function giving the sender's status. */
  send(options: DeliveryOptions, to?: string): Promise<() => MessageStatus>
}

const scenario = async (shareBobsPresence = true): Promise<Scenario> => {
  const host = new InMemoryHost({ domain: "localhost", offline: true }).addUsers(
    BOB,
    "alice@localhost",
  )
  if (shareBobsPresence) host.setSubscription(BOB, "alice@localhost", "both")
  const server = await startAmpPlugin(host, {}, { logLevel: "None" })
  stops.push(() => server.stop())
  const alice = host.connect(ALICE)
  const { client, receive } = clientPlugin()
  let count = 0
  const send = async (options: DeliveryOptions, to = BOB) => {
    count += 1
    const id = `m${count}`
    const rules = rulesFor(options, host.now())
    const message = xml(
      "message",
      { type: "chat", from: ALICE, to, id },
      xml("body", {}, "Hello"),
      xml("amp", { xmlns: AMP_NS }, ...rules.map((rule) => xml("rule", { ...rule }))),
    )
    let status = sentStatus("bob")
    client.track(id, { rules, to }).on("event", (event: AmpEvent) => {
      const next = statusFromEvent(event, "bob")
      if (next !== undefined) status = advance(status, next)
    })
    const result = await server.handleClientMessage(message, ALICE)
    if (result._tag === "NotAmp") throw new Error("the plugin did not take the message")
    return () => {
      for (const stanza of alice.received.splice(0)) receive(stanza)
      return status
    }
  }
  return { host, server, send }
}

const tell: DeliveryOptions = { ...noDeliveryOptions, tellWhenDelivered: true }

describe("status from the server plugin's replies", () => {
  it("a contact who is online: Delivered", async () => {
    const { host, send } = await scenario()
    host.connect(`${BOB}/phone`)
    const status = await send(tell)
    expect(status()).toEqual({ state: "delivered", detail: "Delivered to bob's device." })
  })

  it("a contact who is offline: Stored", async () => {
    const { send } = await scenario()
    const status = await send(tell)
    expect(status()).toEqual({
      state: "stored",
      detail: "Stored: bob is offline and gets it at their next sign-in.",
    })
  })

  it("don't store if offline, to a contact who is offline: Not stored", async () => {
    const { send } = await scenario()
    const status = await send({ ...tell, doNotStore: true })
    expect(status()).toEqual({
      state: "dropped",
      detail: "Not stored: bob was offline and you chose not to store it.",
    })
  })

  it("expire after 1 minute while the contact stays offline: Stored, then Expired", async () => {
    const { host, server, send } = await scenario()
    const status = await send({ ...tell, expireAfterMinutes: 1 })
    expect(status().state).toBe("stored")
    host.advance(61_000)
    await server.sweepExpired()
    expect(status()).toEqual({
      state: "expired",
      detail: "Expired: bob did not get it in time, so the server deleted it.",
    })
  })

  it("only to a device that went away while another is online: Not delivered", async () => {
    const { host, send } = await scenario()
    host.connect(`${BOB}/phone`)
    const status = await send({ ...tell, onlyThisDevice: true }, `${BOB}/laptop`)
    expect(status()).toEqual({
      state: "dropped",
      detail: "Not delivered: the device you chose is no longer online.",
    })
  })

  it("a contact who does not share their presence: Failed, and why", async () => {
    const { send } = await scenario(false)
    const status = await send(tell)
    expect(status()).toEqual({
      state: "failed",
      detail:
        "Not sent: The server refused the delivery options: they work only with contacts who share their presence with you.",
    })
  })
})
