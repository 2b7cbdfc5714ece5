// Spec §4 `expire-at` (XEP-0079 §3.3.2): met at `initial` when already past; for a stored message
// the rule fires when the time passes (drop/alert/error remove it from offline storage and the
// archive, notify only tells the sender), also after a restart; checked again at offline delivery;
// with MAM only, discarded when the recipient comes online first.
import { startAmpPlugin } from "@xmpp-amp/server-plugin"
import { InMemoryHost } from "@xmpp-amp/server-plugin/test"
import { afterEach, describe, expect, it } from "vitest"
import {
  ampMessage,
  canonicalXml,
  eventually,
  type Harness,
  JULIET,
  JULIET_BALCONY,
  ROMEO,
  received,
  setup,
} from "./support/harness.js"

const MINUTE = 60_000
const IN_ONE_MINUTE = "2030-01-01T00:01:00Z"
const IN_TWO_MINUTES = "2030-01-01T00:02:00Z"

let harness: Harness | undefined
const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  await harness?.plugin.stop()
  harness = undefined
  for (const stop of stops.splice(0)) await stop()
})

const statuses = (session: { received: readonly import("@xmpp/xml").Element[] }) =>
  session.received.map((stanza) => stanza.getChild("amp")?.attrs.status ?? "message")

describe("expire-at at initial", () => {
  it("a time already past is met at once: the message is dropped before delivery", async () => {
    harness = await setup()
    const juliet = harness.host.connect(JULIET_BALCONY)
    const result = await harness.send(
      ampMessage(JULIET, [["alert", "expire-at", "2029-12-31T23:59:59Z"]]),
    )
    expect(result).toMatchObject({ _tag: "Processed", end: "stopped" })
    expect(juliet.received).toEqual([])
    expect(received(harness.romeo)).toEqual([
      canonicalXml(
        `<message from='example.com' to='${ROMEO}' id='m1'><amp xmlns='http://jabber.org/protocol/amp' status='alert' from='${ROMEO}' to='${JULIET}'><rule action='alert' condition='expire-at' value='2029-12-31T23:59:59Z'/></amp></message>`,
      ),
    ])
  })

  it("a future time on a directly delivered message never fires", async () => {
    harness = await setup()
    const juliet = harness.host.connect(JULIET_BALCONY)
    await harness.send(ampMessage(JULIET, [["drop", "expire-at", IN_ONE_MINUTE]]))
    expect(juliet.received).toHaveLength(1)
    harness.host.advance(2 * MINUTE)
    expect(await harness.plugin.sweepExpired()).toBe(0)
    expect(harness.romeo.received).toEqual([])
  })
})

describe("expire-at while stored", () => {
  it.each(["drop", "alert", "error"])(
    "%s removes the message from offline storage and the archive when the time passes",
    async (action) => {
      harness = await setup({ offline: true, mam: true })
      await harness.send(ampMessage(JULIET, [[action, "expire-at", IN_ONE_MINUTE]]))
      expect(harness.host.store.offlineOf(JULIET)).toHaveLength(1)
      expect(harness.host.store.archiveOf(JULIET)).toHaveLength(1)
      harness.host.advance(MINUTE - 1)
      await harness.plugin.sweepExpired()
      expect(harness.host.store.offlineOf(JULIET)).toHaveLength(1)
      harness.host.advance(1)
      const h = harness
      await eventually(() => {
        expect(h.host.store.offlineOf(JULIET)).toEqual([])
        expect(h.host.store.archiveOf(JULIET)).toEqual([])
      })
      expect(statuses(harness.romeo)).toEqual(action === "drop" ? [] : [action])
      const juliet = await harness.host.login(JULIET_BALCONY, harness.plugin)
      expect(juliet.received).toEqual([])
    },
  )

  it("notify only tells the sender; the message is still delivered at login", async () => {
    harness = await setup()
    await harness.send(ampMessage(JULIET, [["notify", "expire-at", IN_ONE_MINUTE]]))
    harness.host.advance(MINUTE)
    const h = harness
    await eventually(() => expect(statuses(h.romeo)).toEqual(["notify"]))
    const juliet = await harness.host.login(JULIET_BALCONY, harness.plugin)
    expect(statuses(juliet)).toEqual(["message"])
    expect(statuses(harness.romeo)).toEqual(["notify"])
  })

  it("fires each pending rule at its own time, never twice", async () => {
    harness = await setup()
    await harness.send(
      ampMessage(JULIET, [
        ["notify", "expire-at", IN_ONE_MINUTE],
        ["alert", "expire-at", IN_TWO_MINUTES],
      ]),
    )
    harness.host.advance(MINUTE)
    const h = harness
    await eventually(() => expect(statuses(h.romeo)).toEqual(["notify"]))
    expect(harness.host.store.offlineOf(JULIET)).toHaveLength(1)
    harness.host.advance(MINUTE)
    await eventually(() => expect(statuses(h.romeo)).toEqual(["notify", "alert"]))
    expect(harness.host.store.offlineOf(JULIET)).toEqual([])
    await harness.plugin.sweepExpired()
    expect(statuses(harness.romeo)).toEqual(["notify", "alert"])
  })

  it("is checked again at offline delivery", async () => {
    harness = await setup({ config: { expiry_check_ms: 1000 } })
    await harness.send(ampMessage(JULIET, [["error", "expire-at", IN_ONE_MINUTE]]))
    harness.host.advance(MINUTE)
    const juliet = await harness.host.login(JULIET_BALCONY, harness.plugin)
    expect(juliet.received).toEqual([])
    expect(statuses(harness.romeo)).toEqual(["error"])
  })

  it("is forgotten once the message was delivered at login", async () => {
    harness = await setup()
    await harness.send(ampMessage(JULIET, [["alert", "expire-at", IN_ONE_MINUTE]]))
    const juliet = await harness.host.login(JULIET_BALCONY, harness.plugin)
    expect(statuses(juliet)).toEqual(["message"])
    harness.host.advance(2 * MINUTE)
    expect(await harness.plugin.sweepExpired()).toBe(0)
    expect(harness.romeo.received).toEqual([])
  })
})

describe("expire-at when the host fails", () => {
  it("a failed removal is retried at the next sweep and the sender hears once", async () => {
    harness = await setup()
    await harness.send(ampMessage(JULIET, [["alert", "expire-at", IN_ONE_MINUTE]]))
    harness.host.throwing.add("removeOffline")
    harness.host.advance(MINUTE)
    const h = harness
    await eventually(() =>
      expect(h.logs.some((line) => line.message === "expiry-sweep-failed")).toBe(true),
    )
    expect(harness.romeo.received).toEqual([])
    harness.host.throwing.delete("removeOffline")
    await eventually(() => expect(h.host.store.offlineOf(JULIET)).toEqual([]))
    await harness.plugin.sweepExpired()
    expect(statuses(harness.romeo)).toEqual(["alert"])
  })
})

describe("expire-at survives a restart", () => {
  it("a rule that falls due while the server is down fires after it starts again", async () => {
    const first = new InMemoryHost({ offline: true, mam: true }).addUsers(JULIET)
    first.setSubscription(JULIET, "romeo@example.com", "both")
    const before = await startAmpPlugin(first, {}, { logLevel: "None" })
    first.connect(ROMEO)
    await before.handleClientMessage(
      ampMessage(JULIET, [["alert", "expire-at", IN_ONE_MINUTE]]),
      ROMEO,
    )
    await before.stop()

    const second = new InMemoryHost({
      offline: true,
      mam: true,
      store: first.store,
      now: first.now() + 5 * MINUTE,
    })
    const romeo = second.connect(ROMEO)
    const after = await startAmpPlugin(second, { expiry_check_ms: 5 }, { logLevel: "None" })
    stops.push(after.stop)
    await eventually(() => expect(statuses(romeo)).toEqual(["alert"]))
    expect(second.store.offlineOf(JULIET)).toEqual([])
    expect(second.store.archiveOf(JULIET)).toEqual([])
  })

  it("a rule due while the server was down has fired once the plugin has started", async () => {
    const first = new InMemoryHost({ offline: true }).addUsers(JULIET)
    first.setSubscription(JULIET, "romeo@example.com", "both")
    const before = await startAmpPlugin(first, {}, { logLevel: "None" })
    await before.handleClientMessage(
      ampMessage(JULIET, [["alert", "expire-at", IN_ONE_MINUTE]]),
      ROMEO,
    )
    await before.stop()

    const second = new InMemoryHost({ store: first.store, now: first.now() + 5 * MINUTE })
    // The periodic check at its slowest: the start itself must have fired the rule.
    const after = await startAmpPlugin(second, { expiry_check_ms: 1000 }, { logLevel: "None" })
    stops.push(after.stop)
    expect(second.store.offlineOf(JULIET)).toEqual([])
    const waiting = second.store.offlineOf("romeo@example.com")
    expect(waiting.map((entry) => entry.stanza.getChild("amp")?.attrs.status)).toEqual(["alert"])
  })

  it("a rule not yet due stays pending across the restart", async () => {
    const first = new InMemoryHost().addUsers(JULIET)
    first.setSubscription(JULIET, "romeo@example.com", "both")
    const before = await startAmpPlugin(first, {}, { logLevel: "None" })
    await before.handleClientMessage(
      ampMessage(JULIET, [["drop", "expire-at", IN_ONE_MINUTE]]),
      ROMEO,
    )
    await before.stop()

    const second = new InMemoryHost({ store: first.store, now: first.now() })
    const after = await startAmpPlugin(second, { expiry_check_ms: 5 }, { logLevel: "None" })
    stops.push(after.stop)
    expect(await after.sweepExpired()).toBe(0)
    expect(second.store.offlineOf(JULIET)).toHaveLength(1)
    second.advance(MINUTE)
    await eventually(() => expect(second.store.offlineOf(JULIET)).toEqual([]))
  })
})

describe("the reply when the sending session is gone (spec §5)", () => {
  it("goes to the sender's other available resource at once", async () => {
    harness = await setup()
    await harness.send(ampMessage(JULIET, [["alert", "expire-at", IN_ONE_MINUTE]]))
    harness.host.disconnect(ROMEO)
    const garden = harness.host.connect("romeo@example.com/garden")
    harness.host.advance(2 * MINUTE)
    await eventually(() => expect(statuses(garden)).toEqual(["alert"]))
    expect(garden.received[0]?.attrs.to).toBe(ROMEO)
    expect(harness.host.store.offlineOf("romeo@example.com")).toEqual([])
  })

  it("waits in offline storage when no other resource is available", async () => {
    harness = await setup()
    await harness.send(ampMessage(JULIET, [["error", "expire-at", IN_ONE_MINUTE]]))
    harness.host.disconnect(ROMEO)
    const hidden = harness.host.connect("romeo@example.com/hidden", -1)
    harness.host.advance(2 * MINUTE)
    await eventually(() =>
      expect(harness?.host.store.offlineOf("romeo@example.com")).toHaveLength(1),
    )
    expect(hidden.received).toEqual([])
  })
})

describe("expire-at with MAM only (offline storage off)", () => {
  it("removes the archived copy when the time passes before the recipient comes online", async () => {
    harness = await setup({ offline: false, mam: true })
    await harness.send(ampMessage(JULIET, [["alert", "expire-at", IN_ONE_MINUTE]]))
    expect(harness.host.store.archiveOf(JULIET)).toHaveLength(1)
    harness.host.advance(MINUTE)
    const h = harness
    await eventually(() => expect(h.host.store.archiveOf(JULIET)).toEqual([]))
    expect(statuses(harness.romeo)).toEqual(["alert"])
  })

  it("fires a rule already due when the recipient comes online before the sweep ran", async () => {
    harness = await setup({ offline: false, mam: true, config: { expiry_check_ms: 1000 } })
    await harness.send(ampMessage(JULIET, [["drop", "expire-at", IN_ONE_MINUTE]]))
    harness.host.advance(MINUTE)
    await harness.host.login(JULIET_BALCONY, harness.plugin)
    expect(harness.host.store.archiveOf(JULIET)).toEqual([])
  })

  it("discards the pending rules when the recipient comes online first", async () => {
    harness = await setup({ offline: false, mam: true })
    await harness.send(ampMessage(JULIET, [["alert", "expire-at", IN_ONE_MINUTE]]))
    await harness.host.login(JULIET_BALCONY, harness.plugin)
    harness.host.advance(2 * MINUTE)
    expect(await harness.plugin.sweepExpired()).toBe(0)
    expect(harness.host.store.archiveOf(JULIET)).toHaveLength(1)
    expect(harness.romeo.received).toEqual([])
  })
})

describe("unreadable pending rows", () => {
  /** Stores a message with a pending rule, then breaks its row's state the given way. */
  const storedWithBrokenRow = async (breakState: (state: string) => string) => {
    harness = await setup()
    await harness.send(ampMessage(JULIET, [["alert", "expire-at", IN_ONE_MINUTE]]))
    const [row] = [...harness.host.store.pendingRows.values()]
    if (row === undefined) throw new Error("no pending row was stored")
    const data = JSON.parse(row.data) as { state: string }
    harness.host.store.pendingRows.set(row.id, {
      ...row,
      data: JSON.stringify({ ...data, state: breakState(data.state) }),
    })
    return row.id
  }

  const unreadableLines = () =>
    (harness?.logs ?? []).filter((line) => line.message === "pending-row-unreadable")

  it("the sweep logs why a row is unreadable, removes it and keeps the message", async () => {
    const id = await storedWithBrokenRow((state) => state.replace("|in-storage|", "|bogus|"))
    harness?.host.advance(MINUTE)
    await harness?.plugin.sweepExpired()
    expect(unreadableLines()[0]?.annotations).toMatchObject({
      id,
      reason: 'state: unknown stage "bogus"',
    })
    expect(harness?.host.store.pendingRows.has(id)).toBe(false)
    expect(harness?.host.store.offlineOf(JULIET)).toHaveLength(1)
    expect(harness?.romeo.received).toEqual([])
  })

  it("offline delivery delivers the message of an unreadable row and says why", async () => {
    const id = await storedWithBrokenRow((state) => `${state}|x alert expire-at soon`)
    expect(await harness?.plugin.offlineDelivery(id)).toBe("deliver")
    expect(unreadableLines()[0]?.annotations).toMatchObject({
      id,
      reason: 'state: rule "x alert expire-at soon" is not "index action condition value"',
    })
    expect(harness?.host.store.pendingRows.has(id)).toBe(false)
  })

  it("a recipient coming online gets the message; the row's reason is logged", async () => {
    const id = await storedWithBrokenRow(() => "amp2|in-storage|nS")
    const h = harness
    if (h === undefined) throw new Error("no harness")
    const juliet = await h.host.login(JULIET_BALCONY, h.plugin)
    expect(statuses(juliet)).toEqual(["message"])
    expect(unreadableLines()[0]?.annotations).toMatchObject({
      id,
      reason: 'state: version "amp2", not amp1',
    })
    expect(h.romeo.received).toEqual([])
  })
})
