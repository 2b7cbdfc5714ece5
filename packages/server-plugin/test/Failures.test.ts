// Spec §4 events after `initial`: a failed socket write falls back to storage (where blocking
// `stored` rules fire before it and an archived copy is removed), failed storage writes end at
// `none` with the notification before the bounce, XEP-0198 ack confirmation, and with MAM and
// offline storage both on a message gets exactly one storage outcome.
import { afterEach, describe, expect, it } from "vitest"
import {
  ampMessage,
  canonicalXml,
  type Harness,
  JULIET,
  JULIET_BALCONY,
  ROMEO,
  received,
  setup,
} from "./support/harness.js"

let harness: Harness | undefined
afterEach(async () => {
  await harness?.plugin.stop()
  harness = undefined
})

const statuses = (h: Harness) =>
  h.romeo.received.map((stanza) => {
    const amp = stanza.getChild("amp")
    const fired = amp?.getChild("rule")
    return amp === undefined
      ? `bounce:${stanza
          .getChild("error")
          ?.children.map((c) => (typeof c === "string" ? c : c.name))
          .join()}`
      : `${amp.attrs.status}:${fired?.attrs.value}`
  })

describe("after a failed socket write", () => {
  it("drops a deliver=stored drop message instead of storing it, and removes the archived copy", async () => {
    harness = await setup({ offline: true, mam: true })
    const juliet = harness.host.connect(JULIET_BALCONY)
    juliet.failWrites = true
    const result = await harness.send(
      ampMessage(JULIET, [
        ["drop", "deliver", "stored"],
        ["notify", "deliver", "none"],
      ]),
    )
    expect(result).toMatchObject({ _tag: "Processed", end: "stopped" })
    expect(harness.host.store.offlineOf(JULIET)).toEqual([])
    expect(harness.host.store.archiveOf(JULIET)).toEqual([])
    expect(harness.romeo.received).toEqual([])
  })

  it("stores the message and notifies stored after the offline write", async () => {
    harness = await setup({ offline: true })
    harness.host.connect(JULIET_BALCONY).failWrites = true
    await harness.send(
      ampMessage(JULIET, [
        ["notify", "deliver", "direct"],
        ["notify", "deliver", "stored"],
      ]),
    )
    expect(statuses(harness)).toEqual(["notify:stored"])
    expect(harness.host.store.offlineOf(JULIET)).toHaveLength(1)
  })

  it("with MAM only, notifies stored at once because the archived copy exists", async () => {
    harness = await setup({ offline: false, mam: true })
    harness.host.connect(JULIET_BALCONY).failWrites = true
    const result = await harness.send(ampMessage(JULIET, [["notify", "deliver", "stored"]]))
    expect(result).toMatchObject({ _tag: "Processed", end: "stored" })
    expect(statuses(harness)).toEqual(["notify:stored"])
    expect(harness.host.store.archiveOf(JULIET)).toHaveLength(1)
  })

  it("with nothing to fall back to, notifies none and then bounces service-unavailable", async () => {
    harness = await setup({ offline: false })
    harness.host.connect(JULIET_BALCONY).failWrites = true
    const result = await harness.send(ampMessage(JULIET, [["notify", "deliver", "none"]]))
    expect(result).toMatchObject({ _tag: "Processed", end: "discarded" })
    expect(statuses(harness)).toEqual(["notify:none", "bounce:service-unavailable"])
  })

  it("alerts on deliver=none alert instead of bouncing", async () => {
    harness = await setup({ offline: false })
    harness.host.connect(JULIET_BALCONY).failWrites = true
    await harness.send(ampMessage(JULIET, [["alert", "deliver", "none"]]))
    expect(statuses(harness)).toEqual(["alert:none"])
  })
})

describe("failed storage writes", () => {
  it("an offline write failure notifies none, then bounces internal-server-error (type wait)", async () => {
    harness = await setup({ offline: true })
    harness.host.failOfflineWrites = 1
    await harness.send(
      ampMessage(JULIET, [
        ["notify", "deliver", "stored"],
        ["notify", "deliver", "none"],
      ]),
    )
    expect(received(harness.romeo)).toEqual([
      canonicalXml(
        `<message from='example.com' to='${ROMEO}' id='m1'><amp xmlns='http://jabber.org/protocol/amp' status='notify' from='${ROMEO}' to='${JULIET}'><rule action='notify' condition='deliver' value='none'/></amp></message>`,
      ),
      canonicalXml(
        `<message type='error' from='${JULIET}' to='${ROMEO}' id='m1'><error type='wait'><internal-server-error xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`,
      ),
    ])
  })

  it("an archive failure with MAM only and no session ends at none", async () => {
    harness = await setup({ offline: false, mam: true })
    harness.host.failArchiveWrites = 1
    await harness.send(ampMessage(JULIET, [["error", "deliver", "none"]]))
    expect(statuses(harness)).toEqual(["error:none"])
  })

  it("an archive failure while online leaves direct delivery alone", async () => {
    harness = await setup({ offline: false, mam: true })
    const juliet = harness.host.connect(JULIET_BALCONY)
    harness.host.failArchiveWrites = 1
    await harness.send(ampMessage(JULIET, [["notify", "deliver", "direct"]]))
    expect(statuses(harness)).toEqual(["notify:direct"])
    expect(juliet.received).toHaveLength(1)
  })
})

describe("MAM and offline storage both on (spec §4)", () => {
  it("gives one stored notification after the durable write and never none", async () => {
    harness = await setup({ offline: true, mam: true })
    await harness.send(
      ampMessage(JULIET, [
        ["notify", "deliver", "stored"],
        ["notify", "deliver", "none"],
        ["notify", "deliver", "stored"],
      ]),
    )
    expect(statuses(harness)).toEqual(["notify:stored"])
    expect(harness.host.store.offlineOf(JULIET)).toHaveLength(1)
    expect(harness.host.store.archiveOf(JULIET)).toHaveLength(1)
  })

  it("does not notify stored when only the archive write succeeded and the offline write failed", async () => {
    harness = await setup({ offline: true, mam: true })
    harness.host.failOfflineWrites = 1
    await harness.send(ampMessage(JULIET, [["notify", "deliver", "stored"]]))
    expect(statuses(harness)).toEqual(["bounce:internal-server-error"])
  })
})

describe("direct_confirm = ack (XEP-0198)", () => {
  it("a write the client never acks is not direct: the message falls back to storage", async () => {
    harness = await setup({ config: { direct_confirm: "ack" } })
    harness.host.connect(JULIET_BALCONY).withholdAcks = true
    await harness.send(
      ampMessage(JULIET, [
        ["notify", "deliver", "direct"],
        ["notify", "deliver", "stored"],
      ]),
    )
    expect(statuses(harness)).toEqual(["notify:stored"])
  })

  it("an acked write is direct", async () => {
    harness = await setup({ config: { direct_confirm: "ack" } })
    harness.host.connect(JULIET_BALCONY)
    await harness.send(ampMessage(JULIET, [["notify", "deliver", "direct"]]))
    expect(statuses(harness)).toEqual(["notify:direct"])
  })
})

describe("several rules on one message", () => {
  it("a blocking rule gets its chance before a notify rule on the same outcome", async () => {
    harness = await setup()
    const juliet = harness.host.connect(JULIET_BALCONY)
    await harness.send(
      ampMessage(JULIET, [
        ["notify", "deliver", "direct"],
        ["error", "deliver", "direct"],
      ]),
    )
    expect(statuses(harness)).toEqual(["error:direct"])
    expect(juliet.received).toEqual([])
  })

  it("a bare-JID message to two resources gives one direct notification", async () => {
    harness = await setup()
    const balcony = harness.host.connect(JULIET_BALCONY)
    const chamber = harness.host.connect("juliet@example.com/chamber")
    await harness.send(ampMessage(JULIET, [["notify", "deliver", "direct"]]))
    expect(statuses(harness)).toEqual(["notify:direct"])
    expect([balcony.received.length, chamber.received.length]).toEqual([1, 1])
  })

  it("only the highest non-negative priority resources get a bare-JID message", async () => {
    harness = await setup()
    const low = harness.host.connect(JULIET_BALCONY, 1)
    const high = harness.host.connect("juliet@example.com/chamber", 5)
    await harness.send(ampMessage(JULIET, [["notify", "deliver", "direct"]]))
    expect([low.received.length, high.received.length]).toEqual([0, 1])
  })
})

// Both kinds of host answer (`HostAnswer`): promises that reject, and plain throws.
for (const answers of ["later", "at-once"] as const)
  describe(`host failures (spec §8), capabilities answering ${answers}`, () => {
    it("a routing failure bounces internal-server-error to the sender, nothing is delivered", async () => {
      harness = await setup({ answers })
      const juliet = harness.host.connect(JULIET_BALCONY)
      harness.host.throwing.add("route")
      const result = await harness.send(ampMessage(JULIET, [["notify", "deliver", "direct"]]))
      expect(result).toEqual({ _tag: "Failed", reason: "route" })
      expect(statuses(harness)).toEqual(["bounce:internal-server-error"])
      expect(juliet.received).toEqual([])
      expect(harness.logs.some((line) => line.message === "host-capability-failed")).toBe(true)
    })

    it("a socket write that throws counts as a failed delivery: the message falls back to storage", async () => {
      harness = await setup({ offline: true, answers })
      harness.host.connect(JULIET_BALCONY)
      harness.host.throwing.add("deliver")
      const result = await harness.send(ampMessage(JULIET, [["notify", "deliver", "stored"]]))
      expect(result).toMatchObject({ _tag: "Processed", end: "stored" })
      expect(statuses(harness)).toEqual(["notify:stored"])
      expect(harness.logs.some((line) => line.message === "socket-write-failed")).toBe(true)
    })

    it("an offline write that throws counts as a failed write: notify none, then the bounce", async () => {
      harness = await setup({ offline: true, answers })
      harness.host.throwing.add("storeOffline")
      await harness.send(ampMessage(JULIET, [["notify", "deliver", "none"]]))
      expect(statuses(harness)).toEqual(["notify:none", "bounce:internal-server-error"])
    })

    it("a reply that cannot be sent is logged and the message is still delivered", async () => {
      harness = await setup({ answers })
      const juliet = harness.host.connect(JULIET_BALCONY)
      harness.host.throwing.add("sendToUser")
      const result = await harness.send(ampMessage(JULIET, [["notify", "deliver", "direct"]]))
      expect(result).toMatchObject({ _tag: "Processed", end: "delivered" })
      expect(juliet.received).toHaveLength(1)
      expect(harness.logs.some((line) => line.message === "notification-failed")).toBe(true)
      expect((await harness.plugin.counters()).notificationsSent).toBe(0)
    })
  })

describe("recipients nobody can take (spec §4 routing)", () => {
  it("an unknown local user: notify none, then service-unavailable", async () => {
    harness = await setup({ config: { presence_check: false } })
    const result = await harness.send(
      ampMessage("nobody@example.com", [["notify", "deliver", "none"]]),
    )
    expect(result).toMatchObject({ _tag: "Processed", end: "discarded" })
    expect(statuses(harness)).toEqual(["notify:none", "bounce:service-unavailable"])
  })

  it("a domain this server does not serve: alert none replaces the bounce", async () => {
    harness = await setup()
    await harness.send(ampMessage("mercutio@verona.example", [["alert", "deliver", "none"]]))
    expect(statuses(harness)).toEqual(["alert:none"])
    expect(harness.host.store.offlineOf("mercutio@verona.example")).toEqual([])
  })
})
