// XEP-0079 §2.1.1 discovery and §8 stream feature, derived from one support configuration
// (spec §1, §6), and the client-side readers with the E17 fallback.
import {
  AMP_FEATURE,
  ampNodeFeatures,
  ampNodeInfo,
  ampSupport,
  classifyDiscoNode,
  FULL_SUPPORT,
  hasStreamFeature,
  parseXml,
  readAmpNodeInfo,
  serverFeatures,
  streamFeature,
  supportsAmp,
} from "@xmpp-amp/amp-core"
import { describe, expect, it } from "vitest"

const limited = (() => {
  const support = ampSupport({ actions: ["notify", "error"], conditions: ["deliver"] })
  if ("_tag" in support) throw new Error(support.message)
  return support
})()

describe("server side", () => {
  it("lists the base feature and every enabled action and condition on the AMP node", () => {
    expect(ampNodeFeatures(FULL_SUPPORT)).toEqual([
      "http://jabber.org/protocol/amp",
      "http://jabber.org/protocol/amp?action=alert",
      "http://jabber.org/protocol/amp?action=drop",
      "http://jabber.org/protocol/amp?action=error",
      "http://jabber.org/protocol/amp?action=notify",
      "http://jabber.org/protocol/amp?condition=deliver",
      "http://jabber.org/protocol/amp?condition=expire-at",
      "http://jabber.org/protocol/amp?condition=match-resource",
    ])
    expect(ampNodeFeatures(limited)).toEqual([
      "http://jabber.org/protocol/amp",
      "http://jabber.org/protocol/amp?action=error",
      "http://jabber.org/protocol/amp?action=notify",
      "http://jabber.org/protocol/amp?condition=deliver",
    ])
  })

  it("writes the node's disco#info query, which a client reads back to the same support", () => {
    const query = ampNodeInfo(limited)
    expect(query.attrs).toEqual({
      xmlns: "http://jabber.org/protocol/disco#info",
      node: "http://jabber.org/protocol/amp",
    })
    expect(readAmpNodeInfo(query)).toEqual({
      actions: ["error", "notify"],
      conditions: ["deliver"],
      assumed: false,
    })
    expect(supportsAmp(query)).toBe(true)
  })

  it("answers only the exact AMP node; nodes under it are item-not-found", () => {
    expect(classifyDiscoNode("http://jabber.org/protocol/amp")).toBe("amp-node")
    expect(classifyDiscoNode("http://jabber.org/protocol/amp?action=notify")).toBe(
      "unknown-amp-node",
    )
    expect(classifyDiscoNode(undefined)).toBe("other")
    expect(classifyDiscoNode("http://jabber.org/protocol/commands")).toBe("other")
  })

  it("advertises the XEP's stream feature namespace (not MongooseIM's feature/amp)", () => {
    expect(streamFeature(FULL_SUPPORT)?.toString()).toBe(
      '<amp xmlns="http://jabber.org/features/amp"/>',
    )
    expect(serverFeatures(FULL_SUPPORT)).toEqual([AMP_FEATURE])
  })

  it("advertises nothing when no action or no condition is enabled", () => {
    const none = ampSupport({ actions: [] })
    if ("_tag" in none) throw new Error(none.message)
    expect(streamFeature(none)).toBeUndefined()
    expect(serverFeatures(none)).toEqual([])
  })
})

describe("client side", () => {
  it("assumes all defined actions and conditions when the node lists none (E17)", () => {
    const empty = parseXml(
      "<query xmlns='http://jabber.org/protocol/disco#info' node='http://jabber.org/protocol/amp'><feature var='http://jabber.org/protocol/amp'/></query>",
    )
    expect(readAmpNodeInfo(empty)).toEqual({
      actions: ["alert", "drop", "error", "notify"],
      conditions: ["deliver", "expire-at", "match-resource"],
      assumed: true,
    })
  })

  it("does not mistake MongooseIM's feature/amp stream feature for the XEP's", () => {
    const features = parseXml(
      "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><amp xmlns='http://jabber.org/feature/amp'/></stream:features>",
    )
    expect(hasStreamFeature(features)).toBe(false)
  })
})
