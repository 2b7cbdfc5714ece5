// Spec §8 as properties: for any rules (valid or not), recipient state, storage configuration and
// write failures, the plugin never throws, never shows `<amp/>` to the recipient, never fires a
// rule twice, and never loses a message silently (it is kept somewhere, or the sender hears back,
// or the sender's own drop rule fired).
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ampMessage, JULIET, JULIET_BALCONY, setup } from "./support/harness.js"

const ruleArbitrary = fc.tuple(
  fc.constantFrom("alert", "drop", "error", "notify", "shout", ""),
  fc.constantFrom("deliver", "match-resource", "expire-at", "weather"),
  fc.constantFrom(
    "direct",
    "stored",
    "none",
    "forward",
    "gateway",
    "any",
    "exact",
    "other",
    "2029-12-31T23:59:59Z",
    "2030-01-01T00:00:30Z",
    "2030-02-30T00:00:00Z",
  ),
)

const scenarioArbitrary = fc.record({
  rules: fc.array(ruleArbitrary, { minLength: 1, maxLength: 5 }),
  recipient: fc.constantFrom("online", "offline", "negative-priority"),
  to: fc.constantFrom(JULIET, JULIET_BALCONY, "juliet@example.com/tomb"),
  offline: fc.boolean(),
  mam: fc.boolean(),
  failWrites: fc.boolean(),
  failOffline: fc.boolean(),
  failArchive: fc.boolean(),
  subscribed: fc.boolean(),
})

describe("robustness (spec §8)", () => {
  it("never throws, hides <amp/>, fires each rule at most once and loses nothing silently", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, async (scenario) => {
        const { host, plugin, romeo, send } = await setup({
          offline: scenario.offline,
          mam: scenario.mam,
        })
        if (!scenario.subscribed) host.setSubscription(JULIET, "romeo@example.com", "none")
        const juliet =
          scenario.recipient === "offline"
            ? undefined
            : host.connect(JULIET_BALCONY, scenario.recipient === "online" ? 0 : -1)
        if (juliet !== undefined) juliet.failWrites = scenario.failWrites
        host.failOfflineWrites = scenario.failOffline ? 1 : 0
        host.failArchiveWrites = scenario.failArchive ? 1 : 0
        const result = await send(ampMessage(scenario.to, scenario.rules))
        host.advance(60_000)
        await plugin.sweepExpired()

        const copies = [
          ...(juliet?.received ?? []),
          ...host.store.offlineOf(JULIET).map((entry) => entry.stanza),
          ...host.store.archiveOf(JULIET).map((entry) => entry.stanza),
        ]
        for (const copy of copies) expect(copy.toString()).not.toContain("protocol/amp")
        const replies = romeo.received.filter((stanza) => stanza.getChild("amp") !== undefined)
        expect(replies.length).toBeLessThanOrEqual(scenario.rules.length)
        const dropAsked = scenario.rules.some(([action]) => action === "drop")
        const kept = copies.length > 0
        expect(kept || romeo.received.length > 0 || dropAsked).toBe(true)
        expect(result._tag).not.toBe("Failed")
        await plugin.stop()
      }),
      { numRuns: 300 },
    )
  })
})
