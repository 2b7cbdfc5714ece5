// The fast path (FastPath.ts, taken when per-message info lines are off) against the full
// Effect lifecycle (spec §4): for the same messages on identical hosts, the same results, the
// same replies to the sender, the same copies at the recipient, storage and counters — for the
// hot case (deliver=direct notify to an online recipient) and for the cases it hands back.
import { parseXml } from "@xmpp-amp/amp-core"
import { startAmpPlugin } from "@xmpp-amp/server-plugin"
import { InMemoryHost, type InMemoryHostOptions } from "@xmpp-amp/server-plugin/test"
import { describe, expect, it } from "vitest"
import { ampMessage, JULIET, JULIET_BALCONY, ROMEO, received } from "./support/harness.js"

interface Scenario {
  readonly name: string
  readonly host: InMemoryHostOptions
  readonly to: string
  readonly rules: readonly string[][]
  readonly juliet: "online" | "failing" | "offline"
  readonly stranger?: boolean
}

const scenarios: readonly Scenario[] = [
  {
    name: "direct notify, online",
    host: {},
    to: JULIET,
    rules: [["notify", "deliver", "direct"]],
    juliet: "online",
  },
  {
    name: "direct notify to the full JID, then exact",
    host: {},
    to: JULIET_BALCONY,
    rules: [
      ["notify", "deliver", "direct"],
      ["alert", "match-resource", "other"],
    ],
    juliet: "online",
  },
  {
    name: "match-resource exact notify",
    host: {},
    to: JULIET_BALCONY,
    rules: [["notify", "match-resource", "exact"]],
    juliet: "online",
  },
  {
    name: "a write that fails, then stored",
    host: { offline: true },
    to: JULIET,
    rules: [
      ["notify", "deliver", "direct"],
      ["notify", "deliver", "stored"],
    ],
    juliet: "failing",
  },
  {
    name: "a write that fails, no storage: bounce",
    host: {},
    to: JULIET,
    rules: [
      ["notify", "deliver", "direct"],
      ["notify", "deliver", "none"],
    ],
    juliet: "failing",
  },
  {
    name: "direct alert (acts before delivery)",
    host: {},
    to: JULIET,
    rules: [["alert", "deliver", "direct"]],
    juliet: "online",
  },
  {
    name: "offline recipient",
    host: { offline: true },
    to: JULIET,
    rules: [["notify", "deliver", "stored"]],
    juliet: "offline",
  },
  {
    name: "archived copy",
    host: { mam: true },
    to: JULIET,
    rules: [["notify", "deliver", "direct"]],
    juliet: "online",
  },
  {
    name: "stranger: presence check",
    host: {},
    to: JULIET,
    rules: [["notify", "deliver", "direct"]],
    juliet: "online",
    stranger: true,
  },
]

const run = async (
  scenario: Scenario,
  logLevel: "Debug" | "Warn",
  answers: "later" | "at-once" = "later",
  deliverTo = false,
  textReplies = false,
) => {
  const host = new InMemoryHost({ ...scenario.host, answers, deliverTo, textReplies }).addUsers(
    JULIET,
    "romeo@example.com",
  )
  if (scenario.stranger !== true) host.setSubscription(JULIET, "romeo@example.com", "both")
  const plugin = await startAmpPlugin(
    host,
    { expiry_check_ms: 5 },
    { onLog: () => undefined, logLevel },
  )
  const romeo = host.connect(ROMEO)
  const juliet = scenario.juliet === "offline" ? undefined : host.connect(JULIET_BALCONY)
  if (juliet !== undefined) juliet.failWrites = scenario.juliet === "failing"
  const result = await plugin.handleClientMessage(ampMessage(scenario.to, scenario.rules), ROMEO)
  const outcome = {
    result,
    romeo: received(romeo),
    juliet: juliet === undefined ? [] : received(juliet),
    offline: host.store.offlineOf(JULIET).length,
    archived: host.store.archiveOf(JULIET).length,
    counters: await plugin.counters(),
  }
  await plugin.stop()
  return outcome
}

describe("the fast path agrees with the full lifecycle", () => {
  it("tells a listener once, through the host's deliverTo, without a promise of its own", async () => {
    const host = new InMemoryHost({ answers: "at-once", deliverTo: true }).addUsers(
      JULIET,
      "romeo@example.com",
    )
    host.setSubscription(JULIET, "romeo@example.com", "both")
    const plugin = await startAmpPlugin(host, {}, { onLog: () => undefined, logLevel: "Warn" })
    const romeo = host.connect(ROMEO)
    const juliet = host.connect(JULIET_BALCONY)
    const told: string[] = []
    plugin.processClientMessage(ampMessage(JULIET, [["notify", "deliver", "direct"]]), ROMEO, {
      done: (result) => told.push(result._tag),
      crashed: () => told.push("crashed"),
    })
    // Everything answered at once: delivered, notified and told before the call returned.
    expect(told).toEqual(["Processed"])
    expect(received(juliet)).toHaveLength(1)
    expect(received(romeo)[0]).toContain('status="notify"')
    await plugin.stop()
  })

  for (const scenario of scenarios)
    it(scenario.name, async () => {
      const full = await run(scenario, "Debug")
      const fast = await run(scenario, "Warn")
      expect(fast).toEqual(full)
      expect(full.result._tag).not.toBe("NotAmp")
      // A host answering at once (plain values, no promises) gives the same on both paths.
      expect(await run(scenario, "Warn", "at-once")).toEqual(full)
      expect(await run(scenario, "Debug", "at-once")).toEqual(full)
      // A host telling a listener of the write (`deliverTo`), later or before it returns.
      expect(await run(scenario, "Warn", "later", true)).toEqual(full)
      expect(await run(scenario, "Warn", "at-once", true)).toEqual(full)
      // A host taking replies as text (`sendTextToUser`): the same replies, later or at once.
      expect(await run(scenario, "Warn", "later", true, true)).toEqual(full)
      expect(await run(scenario, "Warn", "at-once", true, true)).toEqual(full)
      expect(await run(scenario, "Warn", "at-once", false, true)).toEqual(full)
    })

  it("writes the notify reply as text when the host takes text", async () => {
    const host = new InMemoryHost({ answers: "at-once", deliverTo: true, textReplies: true })
    host.addUsers(JULIET, "romeo@example.com")
    host.setSubscription(JULIET, "romeo@example.com", "both")
    const texts: string[] = []
    const sendText = host.sendTextToUser
    if (sendText === undefined) throw new Error("the host offers no sendTextToUser")
    const spying = Object.assign(Object.create(host) as InMemoryHost, {
      sendTextToUser: (to: string, text: string) => {
        texts.push(text)
        return sendText(to, text)
      },
    })
    const plugin = await startAmpPlugin(spying, {}, { onLog: () => undefined, logLevel: "Warn" })
    const romeo = host.connect(ROMEO)
    host.connect(JULIET_BALCONY)
    await plugin.handleClientMessage(ampMessage(JULIET, [["notify", "deliver", "direct"]]), ROMEO)
    expect(texts).toHaveLength(1)
    expect(texts[0]).toContain('status="notify"')
    expect(received(romeo)).toEqual(received({ received: texts.map((text) => parseXml(text)) }))
    await plugin.stop()
  })

  it("delivers the copy without <amp/> and notifies once, on the fast path", async () => {
    const fast = await run(scenarios[0] as Scenario, "Warn")
    expect(fast.result).toMatchObject({ _tag: "Processed", end: "delivered" })
    expect(fast.juliet).toHaveLength(1)
    expect(fast.juliet[0]).not.toContain("<amp")
    // The result carries that very copy, for the host's own work after delivery.
    const copy = fast.result._tag === "Processed" ? fast.result.copy : undefined
    expect(copy?.getChild("amp")).toBeUndefined()
    expect(copy?.attrs.id).toBe("m1")
    expect(fast.romeo).toHaveLength(1)
    expect(fast.romeo[0]).toContain('status="notify"')
    expect(fast.counters).toMatchObject({
      requestsAccepted: 1,
      rulesMatched: 1,
      notificationsSent: 1,
    })
  })
})
