// Issue 6 item 6 and spec §5: structured log lines and counters for rules matched, notifications
// sent, messages dropped and expired; replies to a sender who has gone wait in their offline
// storage and reach them at their next login, whatever the resource.
import { afterEach, describe, expect, it } from "vitest"
import {
  ampMessage,
  eventually,
  type Harness,
  JULIET,
  JULIET_BALCONY,
  ROMEO,
  setup,
} from "./support/harness.js"

let harness: Harness | undefined
afterEach(async () => {
  await harness?.plugin.stop()
  harness = undefined
})

describe("counters and log lines", () => {
  it("count requests, rules matched, notifications, drops and expiries", async () => {
    harness = await setup()
    harness.host.connect(JULIET_BALCONY)
    await harness.send(ampMessage(JULIET, [["notify", "deliver", "direct"]], "a"))
    await harness.send(ampMessage(JULIET, [["drop", "deliver", "direct"]], "b"))
    await harness.send(ampMessage(JULIET, [["shout", "deliver", "direct"]], "c"))
    harness.host.disconnect(JULIET_BALCONY)
    await harness.send(ampMessage(JULIET, [["alert", "expire-at", "2030-01-01T00:00:01Z"]], "d"))
    harness.host.advance(1000)
    const h = harness
    await eventually(async () => expect((await h.plugin.counters()).messagesExpired).toBe(1))
    expect(await harness.plugin.counters()).toEqual({
      requestsAccepted: 3,
      requestsRejected: 1,
      rulesMatched: 3,
      notificationsSent: 2,
      messagesDropped: 2,
      messagesExpired: 1,
    })
  })

  it("logs rule-matched and notification-sent with the message id, event and rule", async () => {
    harness = await setup()
    harness.host.connect(JULIET_BALCONY)
    await harness.send(ampMessage(JULIET, [["notify", "deliver", "direct"]], "log1"))
    const matched = harness.logs.find((line) => line.message === "rule-matched")
    expect(matched?.annotations).toMatchObject({
      messageId: "log1",
      sender: ROMEO,
      event: "delivered",
      action: "notify",
      condition: "deliver",
      value: "direct",
    })
    const sent = harness.logs.find((line) => line.message === "notification-sent")
    expect(sent?.annotations).toMatchObject({ messageId: "log1", status: "notify" })
  })
})

describe("replies to a sender who went away (spec §5)", () => {
  it("wait in the sender's offline storage and arrive at their next login on any resource", async () => {
    harness = await setup()
    await harness.send(ampMessage(JULIET, [["notify", "expire-at", "2030-01-01T00:00:01Z"]]))
    harness.host.disconnect(ROMEO)
    harness.host.advance(1000)
    const h = harness
    await eventually(() => expect(h.host.store.offlineOf("romeo@example.com")).toHaveLength(1))
    const garden = await harness.host.login("romeo@example.com/garden", harness.plugin)
    expect(garden.received.map((stanza) => stanza.getChild("amp")?.attrs.status)).toEqual([
      "notify",
    ])
  })
})
