// Spec §4 under load: many stored messages fall due in one sweep (more than one batch), and a
// message stored while its recipient logs in is either delivered or expired, never both.
import { afterEach, describe, expect, it } from "vitest"
import {
  ampMessage,
  eventually,
  type Harness,
  JULIET,
  JULIET_BALCONY,
  setup,
} from "./support/harness.js"

let harness: Harness | undefined
afterEach(async () => {
  await harness?.plugin.stop()
  harness = undefined
})

describe("expiry under load", () => {
  it("expires 250 stored messages that fall due together", async () => {
    harness = await setup()
    await Promise.all(
      Array.from({ length: 250 }, (_, index) =>
        harness?.send(
          ampMessage(JULIET, [["alert", "expire-at", "2030-01-01T00:00:05Z"]], `m${index}`),
        ),
      ),
    )
    expect(harness.host.store.offlineOf(JULIET)).toHaveLength(250)
    harness.host.advance(5000)
    const h = harness
    await eventually(() => expect(h.host.store.offlineOf(JULIET)).toEqual([]))
    const ids = new Set(harness.romeo.received.map((stanza) => stanza.attrs.id))
    expect([harness.romeo.received.length, ids.size]).toEqual([250, 250])
  })

  it.each([0, 1, 2, 3, 5, 8])(
    "a message stored while the recipient logs in (after %i ticks) is delivered or expired, not both",
    async (ticks) => {
      harness = await setup()
      const sending = harness.send(
        ampMessage(JULIET, [["alert", "expire-at", "2030-01-01T00:00:05Z"]]),
      )
      for (let tick = 0; tick < ticks; tick += 1) await Promise.resolve()
      const juliet = await harness.host.login(JULIET_BALCONY, harness.plugin)
      await sending
      harness.host.advance(5000)
      await harness.plugin.sweepExpired()
      const delivered = juliet.received.length + harness.host.store.offlineOf(JULIET).length
      const alerted = harness.romeo.received.length
      expect(delivered + alerted).toBe(1)
    },
  )
})
