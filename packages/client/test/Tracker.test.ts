// The tracker of one message: when it settles (spec §4: notify can come several times, blocking
// replies end it), its outcome promise with a timeout, its events and its async iterator.
import { describe, expect, it } from "vitest"
import { type AmpEvent, amp, recipes, rule } from "../src/index.js"
import { stubClient } from "./helpers/stubClient.js"

const ME = "romeo@example.test/orchard"

const notify = (id: string, value: string, from = "example.test") =>
  `<message from='${from}' id='${id}'><amp xmlns='http://jabber.org/protocol/amp' status='notify' from='${ME}' to='juliet@example.test'><rule action='notify' condition='deliver' value='${value}'/></amp></message>`

const alert = (id: string) =>
  `<message from='example.test' id='${id}'><amp xmlns='http://jabber.org/protocol/amp' status='alert'><rule action='alert' condition='expire-at' value='2030-01-01T00:00:00Z'/></amp></message>`

const setup = (rules = recipes.trackDelivery().rules) => {
  const client = stubClient(ME)
  const plugin = amp(client)
  const tracker = plugin.track("m1", { rules: rules.map((spec) => ({ ...spec })) })
  return { client, plugin, tracker }
}

describe("settling", () => {
  it("a stored notification keeps the tracker open; a later direct one settles it", async () => {
    const { client, tracker } = setup()
    client.receive(notify("m1", "stored"))
    expect(tracker.done).toBe(false)
    client.receive(notify("m1", "direct"))
    expect(tracker.done).toBe(true)
    const outcome = await tracker.outcome()
    expect(outcome).toMatchObject({ type: "notified", value: "direct" })
    expect(
      tracker.events.map((event) => (event.type === "notified" ? event.value : event.type)),
    ).toEqual(["stored", "direct"])
  })

  it("a stored notification settles when it was the only reporting rule", async () => {
    const { client, tracker } = setup([
      rule.notify.deliver("stored"),
      rule.drop.expireAt("2030-01-01T00:00:00Z"),
    ])
    client.receive(notify("m1", "stored"))
    expect(await tracker.outcome({ timeout: 100 })).toMatchObject({
      type: "notified",
      value: "stored",
    })
  })

  it("none settles; an alert settles at once", async () => {
    const first = setup()
    first.client.receive(notify("m1", "none"))
    expect(first.tracker.done).toBe(true)
    const second = setup([
      rule.alert.expireAt("2030-01-01T00:00:00Z"),
      rule.notify.deliver("direct"),
    ])
    second.client.receive(alert("m1"))
    expect(await second.tracker.outcome()).toMatchObject({
      type: "alerted",
      rule: { condition: "expire-at" },
    })
  })

  it("a repeated notification of the same rule (e.g. resent after a reconnect) is one event", () => {
    const { client, tracker } = setup()
    client.receive(notify("m1", "stored"))
    client.receive(notify("m1", "stored"))
    expect(tracker.events).toHaveLength(1)
    expect(tracker.done).toBe(false)
  })

  it("replies after settling are not tracked any more (reported as unknown-id)", () => {
    const { client, plugin, tracker } = setup()
    const ignored: string[] = []
    plugin.on("reply-ignored", (reply) => ignored.push(reply.reason))
    client.receive(notify("m1", "direct"))
    client.receive(notify("m1", "none"))
    expect(tracker.events).toHaveLength(1)
    expect(ignored).toEqual(["unknown-id"])
  })
})

describe("outcome", () => {
  it("times out with the events received so far", async () => {
    const { client, tracker } = setup()
    client.receive(notify("m1", "stored"))
    const outcome = await tracker.outcome({ timeout: 30 })
    expect(outcome.type).toBe("timeout")
    expect(outcome.type === "timeout" ? outcome.events.map((event) => event.type) : []).toEqual([
      "notified",
    ])
    expect(tracker.done).toBe(false)
  })

  it("resolves 'closed' when the tracker is closed before it settles, and stops listening", async () => {
    const { client, tracker } = setup()
    const pending = tracker.outcome({ timeout: 5_000 })
    tracker.close()
    expect(await pending).toMatchObject({ type: "closed", id: "m1", events: [] })
    client.receive(notify("m1", "direct"))
    expect(tracker.events).toEqual([])
  })

  it("a tracker closes itself after its lifetime", async () => {
    const client = stubClient(ME)
    const tracker = amp(client, { trackerLifetime: 20 }).track("m9")
    expect(await tracker.outcome({ timeout: 1_000 })).toMatchObject({ type: "closed" })
  })
})

describe("events", () => {
  it("typed listeners per event type and for every event; unsubscribe works", () => {
    const { client, tracker } = setup()
    const notified: string[] = []
    const all: string[] = []
    const off = tracker.on("notified", (event) => notified.push(String(event.value)))
    tracker.on("event", (event) => all.push(event.type))
    client.receive(notify("m1", "stored"))
    off()
    client.receive(notify("m1", "direct"))
    expect(notified).toEqual(["stored"])
    expect(all).toEqual(["notified", "notified"])
  })

  it("a throwing listener does not stop the others", () => {
    const { client, tracker } = setup()
    const seen: string[] = []
    tracker.on("notified", () => {
      throw new Error("listener bug")
    })
    tracker.on("notified", (event) => seen.push(String(event.value)))
    const errors: unknown[] = []
    const onError = (error: unknown) => errors.push(error)
    process.on("uncaughtException", onError)
    client.receive(notify("m1", "direct"))
    expect(seen).toEqual(["direct"])
    return new Promise<void>((resolve) =>
      setTimeout(() => {
        process.off("uncaughtException", onError)
        expect(errors).toHaveLength(1)
        resolve()
      }, 10),
    )
  })

  it("iterates events as they come and ends when the message settles", async () => {
    const { client, tracker } = setup()
    const collected: AmpEvent[] = []
    const loop = (async () => {
      for await (const event of tracker) collected.push(event)
    })()
    client.receive(notify("m1", "stored"))
    await new Promise((resolve) => setTimeout(resolve, 5))
    client.receive(notify("m1", "direct"))
    await loop
    expect(collected.map((event) => (event.type === "notified" ? event.value : ""))).toEqual([
      "stored",
      "direct",
    ])
  })

  it("the iterator ends on close", async () => {
    const { tracker } = setup()
    const loop = (async () => {
      const seen: AmpEvent[] = []
      for await (const event of tracker) seen.push(event)
      return seen
    })()
    tracker.close()
    expect(await loop).toEqual([])
  })

  it("tracking the same id twice is refused", () => {
    const { plugin } = setup()
    expect(() => plugin.track("m1")).toThrowError(
      expect.objectContaining({ reason: "duplicate-id" }),
    )
  })
})
