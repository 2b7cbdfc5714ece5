// XEP-0357 push helpers (§5 enable, §6 disable, disco check): the elements and their errors.

import xml from "@xmpp/xml"
import { DISCO_INFO_NS } from "@xmpp-amp/amp-core"
import { describe, expect, it } from "vitest"
import { AmpClientError, amp, pushDisableElement, pushEnableElement } from "../src/index.js"
import { stubClient } from "./helpers/stubClient.js"

describe("push elements", () => {
  it("enable without publish options has no form; list values give several <value/>", () => {
    expect(pushEnableElement({ jid: "push.example", node: "n1" }).toString()).toBe(
      `<enable xmlns="urn:xmpp:push:0" jid="push.example" node="n1"/>`,
    )
    const form = pushEnableElement({
      jid: "push.example",
      node: "n1",
      publishOptions: { tags: ["a", "b"] },
    })
    expect(form.getChild("x", "jabber:x:data")?.attrs.type).toBe("submit")
    expect(
      form
        .getChild("x")
        ?.getChildren("field")[1]
        ?.getChildren("value")
        .map((value) => value.text()),
    ).toEqual(["a", "b"])
  })

  it("disable with and without a node", () => {
    expect(pushDisableElement({ jid: "push.example" }).toString()).toBe(
      `<disable xmlns="urn:xmpp:push:0" jid="push.example"/>`,
    )
    expect(pushDisableElement({ jid: "push.example", node: "n1" }).attrs.node).toBe("n1")
  })

  it.each([
    ["enable without jid", () => pushEnableElement({ jid: "", node: "n1" }), /service jid/],
    ["enable without node", () => pushEnableElement({ jid: "push.example", node: " " }), /node/],
    [
      "disable with an empty node",
      () => pushDisableElement({ jid: "push.example", node: "" }),
      /node/,
    ],
  ])("%s is refused with invalid-push-request", (_, make, message) => {
    expect(make).toThrowError(message)
    expect(make).toThrowError(AmpClientError)
  })
})

describe("push support check", () => {
  it("asks the account's bare JID and looks for urn:xmpp:push:0", async () => {
    const client = stubClient("romeo@example.test/orchard", () =>
      xml(
        "iq",
        { type: "result" },
        xml("query", { xmlns: DISCO_INFO_NS }, xml("feature", { var: "urn:xmpp:push:0" })),
      ),
    )
    expect(await amp(client).push.isSupported()).toBe(true)
    expect(client.iqs[0]?.attrs.to).toBe("romeo@example.test")
  })

  it("no feature, or an iq error, means not supported", async () => {
    const empty = stubClient("romeo@example.test/orchard", () =>
      xml("iq", { type: "result" }, xml("query", { xmlns: DISCO_INFO_NS })),
    )
    expect(await amp(empty).push.isSupported()).toBe(false)
    const failing = stubClient("romeo@example.test/orchard")
    expect(await amp(failing).push.isSupported()).toBe(false)
  })
})
