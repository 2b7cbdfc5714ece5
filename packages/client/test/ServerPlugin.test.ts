// The client plugin against the project's real AMP server plugin (@xmpp-amp/server-plugin on its
// in-memory host): replies are produced by the server code, not written by hand. Discovery comes
// from the plugin's own disco registration; each event type comes from a real XEP-0079 scenario.
import xml from "@xmpp/xml"
import { afterEach, describe, expect, it } from "vitest"
import { recipes, rule } from "../src/index.js"
import { JULIET, type Loop, startLoop } from "./helpers/serverPluginLoop.js"

let loop: Loop | undefined
const open = async (options: Parameters<typeof startLoop>[0] = {}) => {
  loop = await startLoop(options)
  return loop
}
afterEach(async () => {
  await loop?.stop()
  loop = undefined
})

const chat = (to = JULIET) =>
  xml("message", { to, type: "chat" }, xml("body", {}, "Wherefore art thou?"))

describe("discovery from the server plugin's registration", () => {
  it("sees the enabled actions and conditions and the stream feature", async () => {
    const { messages } = await open({
      config: { actions: ["drop", "notify"], conditions: ["deliver"] },
    })
    expect(messages.streamFeature).toBe(true)
    expect(await messages.support()).toMatchObject({
      available: true,
      advertisedInDisco: true,
      actions: ["drop", "notify"],
      conditions: ["deliver"],
      assumed: false,
    })
    await expect(
      messages.send(chat(), recipes.transient({ report: "alert" })),
    ).rejects.toMatchObject({
      reason: "unsupported-rules",
      kind: "unsupported-actions",
    })
    await expect(
      messages.send(chat(), recipes.expiring(Date.now() + 60_000)),
    ).rejects.toMatchObject({
      reason: "unsupported-rules",
      kind: "unsupported-conditions",
    })
  })

  it("with nothing enabled the server advertises nothing and sending fails fast", async () => {
    const { messages, client } = await open({ config: { actions: [] } })
    expect(messages.streamFeature).toBe(false)
    await expect(messages.send(chat(), recipes.trackDelivery())).rejects.toMatchObject({
      reason: "amp-unavailable",
    })
    expect(client.sent).toEqual([])
  })
})

describe("events produced by the server plugin", () => {
  it("notified direct: Juliet online gets the message without <amp/>", async () => {
    const { messages, host } = await open()
    const balcony = host.connect(`${JULIET}/balcony`)
    const tracker = await messages.send(chat(), recipes.trackDelivery())
    expect(await tracker.outcome({ timeout: 2_000 })).toMatchObject({
      type: "notified",
      condition: "deliver",
      value: "direct",
    })
    expect(balcony.received).toHaveLength(1)
    expect(balcony.received[0]?.getChild("amp")).toBeUndefined()
  })

  it("notified stored: Juliet offline, offline storage on", async () => {
    const { messages } = await open()
    const tracker = await messages.send(chat(), recipes.trackDelivery())
    expect(tracker.events).toMatchObject([{ type: "notified", value: "stored" }])
    expect(tracker.done).toBe(false)
  })

  it("notified none: Juliet offline, no offline storage", async () => {
    const { messages } = await open({ offline: false })
    const tracker = await messages.send(chat(), recipes.trackDelivery())
    expect(await tracker.outcome({ timeout: 2_000 })).toMatchObject({
      type: "notified",
      value: "none",
    })
  })

  it("alerted: a transient message that would be stored (Examples 14–15)", async () => {
    const { messages, host } = await open()
    const tracker = await messages.send(chat(), recipes.transient({ report: "alert" }))
    expect(await tracker.outcome({ timeout: 2_000 })).toMatchObject({
      type: "alerted",
      rule: { action: "alert", condition: "deliver", value: "stored" },
    })
    expect(host.store.offlineOf(JULIET)).toEqual([])
  })

  it("failed: reliable delivery to an absent resource while another is online (Examples 10–11)", async () => {
    const { messages, host } = await open()
    host.connect(`${JULIET}/balcony`)
    const tracker = await messages.send(chat(`${JULIET}/pda`), recipes.reliableDelivery())
    expect(await tracker.outcome({ timeout: 2_000 })).toMatchObject({
      type: "failed",
      rule: { action: "error", condition: "match-resource", value: "other" },
    })
  })

  it("alerted later: an expire-at rule firing while the message waits in storage", async () => {
    const { messages, host, flush } = await open()
    const tracker = await messages.send(chat(), [rule.alert.expireAt(host.now() + 1_000)])
    expect(tracker.events).toEqual([])
    host.advance(2_000)
    await loop?.server.sweepExpired()
    flush()
    expect(await tracker.outcome({ timeout: 2_000 })).toMatchObject({
      type: "alerted",
      rule: { condition: "expire-at" },
    })
  })

  it("rejected not-acceptable: Romeo may not see Juliet's presence (XEP-0079 §9)", async () => {
    const { messages } = await open({ subscribed: false })
    const tracker = await messages.send(chat(), [
      rule.notify.deliver("direct"),
      rule.drop.deliver("forward"),
    ])
    expect(await tracker.outcome({ timeout: 2_000 })).toMatchObject({
      type: "rejected",
      kind: "not-acceptable",
      rules: [{ action: "notify", condition: "deliver", value: "direct" }],
    })
  })

  it("rejected unsupported-conditions when sent without the discovery check", async () => {
    const { messages } = await open({ config: { conditions: ["deliver"] } })
    const tracker = await messages.send(
      chat(),
      recipes.expiring(Date.now() + 60_000, { report: "alert" }),
      {
        checkSupport: false,
      },
    )
    expect(await tracker.outcome({ timeout: 2_000 })).toMatchObject({
      type: "rejected",
      kind: "unsupported-conditions",
    })
  })

  it("bounced: more rules than the server's max_rules is a plain bad-request bounce (spec §2)", async () => {
    const { messages } = await open({ config: { max_rules: 2 } })
    const tracker = await messages.send(chat(), recipes.trackDelivery())
    expect(await tracker.outcome({ timeout: 2_000 })).toMatchObject({
      type: "bounced",
      condition: "bad-request",
      text: expect.stringContaining("at most 2"),
    })
  })
})
