import { AMP_NS } from "@xmpp-amp/amp-core"
import { describe, expect, it } from "vitest"

describe("namespaces", () => {
  it("exposes the AMP protocol namespace", () => {
    expect(AMP_NS).toBe("http://jabber.org/protocol/amp")
  })
})
