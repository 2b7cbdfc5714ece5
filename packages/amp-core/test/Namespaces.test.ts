// XEP-0079 §11 constants, copied exactly (spec §1).
import {
  AMP_DISCO_NODE,
  AMP_ERRORS_NS,
  AMP_FEATURE,
  AMP_FEATURE_NS,
  AMP_NS,
  actionFeature,
  conditionFeature,
} from "@xmpp-amp/amp-core"
import { describe, expect, it } from "vitest"

describe("namespaces", () => {
  it("exposes the AMP protocol, error and stream feature namespaces", () => {
    expect(AMP_NS).toBe("http://jabber.org/protocol/amp")
    expect(AMP_ERRORS_NS).toBe("http://jabber.org/protocol/amp#errors")
    expect(AMP_FEATURE_NS).toBe("http://jabber.org/features/amp")
  })

  it("uses the protocol namespace as disco feature and node", () => {
    expect(AMP_FEATURE).toBe("http://jabber.org/protocol/amp")
    expect(AMP_DISCO_NODE).toBe("http://jabber.org/protocol/amp")
  })

  it("builds per-action and per-condition features, ?action=alert included (erratum E9)", () => {
    expect(actionFeature("alert")).toBe("http://jabber.org/protocol/amp?action=alert")
    expect(conditionFeature("match-resource")).toBe(
      "http://jabber.org/protocol/amp?condition=match-resource",
    )
  })
})
