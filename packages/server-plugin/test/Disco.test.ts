// Spec §6 (XEP-0079 §2.1.1, §8): what the plugin registers with its host — the AMP feature on
// the server's disco#info, the AMP node listing exactly the enabled actions and conditions,
// item-not-found for other nodes under it, and the stream feature — all from [modules.amp].
import { afterEach, describe, expect, it } from "vitest"
import { canonical, canonicalXml, type Harness, setup } from "./support/harness.js"

let harness: Harness | undefined
afterEach(async () => {
  await harness?.plugin.stop()
  harness = undefined
})

const AMP = "http://jabber.org/protocol/amp"

describe("discovery and the stream feature (spec §6)", () => {
  it("advertises everything by default", async () => {
    harness = await setup()
    const extension = harness.host.extension
    expect(extension?.serverFeatures).toEqual([AMP])
    const info = extension?.nodeInfo(AMP)
    expect(info === undefined || info === "item-not-found" ? info : canonical(info)).toBe(
      canonicalXml(
        `<query xmlns='http://jabber.org/protocol/disco#info' node='${AMP}'><identity category='im' type='server'/>` +
          `<feature var='${AMP}'/>` +
          ["alert", "drop", "error", "notify"]
            .map((a) => `<feature var='${AMP}?action=${a}'/>`)
            .join("") +
          ["deliver", "expire-at", "match-resource"]
            .map((c) => `<feature var='${AMP}?condition=${c}'/>`)
            .join("") +
          `</query>`,
      ),
    )
    const feature = extension?.streamFeature
    expect(feature === undefined ? undefined : canonical(feature)).toBe(
      canonicalXml(`<amp xmlns='http://jabber.org/features/amp'/>`),
    )
  })

  it("lists only the enabled actions and conditions", async () => {
    harness = await setup({ config: { actions: ["notify", "error"], conditions: ["deliver"] } })
    const info = harness.host.extension?.nodeInfo(AMP)
    const features =
      info === undefined || info === "item-not-found"
        ? []
        : info.getChildren("feature").map((feature) => feature.attrs.var)
    expect(features).toEqual([
      AMP,
      `${AMP}?action=error`,
      `${AMP}?action=notify`,
      `${AMP}?condition=deliver`,
    ])
  })

  it("answers item-not-found for other nodes under the AMP node and leaves foreign nodes alone", async () => {
    harness = await setup()
    expect(harness.host.extension?.nodeInfo(`${AMP}?action=notify`)).toBe("item-not-found")
    expect(harness.host.extension?.nodeInfo("http://jabber.org/protocol/commands")).toBeUndefined()
  })

  it("advertises nothing when no action is enabled", async () => {
    harness = await setup({ config: { actions: [] } })
    expect(harness.host.extension?.serverFeatures).toEqual([])
    expect(harness.host.extension?.streamFeature).toBeUndefined()
  })
})
