// Discovery (XEP-0079 §2.1.1, §8): disco#info, the AMP node (Example 4), the E17 fallback, the
// stream feature, the 24 h cache, refresh on reconnect, and failing fast on unsupported rules.

import xml, { type Element } from "@xmpp/xml"
import { AMP_DISCO_NODE, DISCO_INFO_NS, parseXml } from "@xmpp-amp/amp-core"
import { describe, expect, it } from "vitest"
import { AmpClientError, amp, MAX_DISCOVERY_AGE, rule } from "../src/index.js"
import { ampServer, rootInfo } from "./helpers/disco.js"
import type { DiscoAnswer } from "./helpers/FakeXmppServer.js"
import { example, exampleText } from "./helpers/fixtures.js"
import { stubClient } from "./helpers/stubClient.js"

const ME = "romeo@example.test/orchard"

/** An iq answer function from a disco script (errors thrown as the iq caller would). */
const answering =
  (script: (node: string | undefined) => DiscoAnswer) =>
  (iq: Element): Element => {
    const node = iq.getChild("query", DISCO_INFO_NS)?.attrs.node as string | undefined
    const answer = script(node)
    if (answer === "silent") throw new Error("timeout")
    // What @xmpp/iq rejects with for an iq error: a StanzaError carrying the condition.
    if ("error" in answer) throw Object.assign(new Error(answer.error), { condition: answer.error })
    return xml("iq", { type: "result" }, answer)
  }

const message = () => xml("message", { to: "juliet@example.test" }, xml("body", {}, "hi"))

describe("what is discovered", () => {
  it("a full server: all actions and conditions from the AMP node", async () => {
    const client = stubClient(ME, answering(ampServer()))
    const support = await amp(client).support()
    expect(support).toMatchObject({
      available: true,
      advertisedInDisco: true,
      actions: ["alert", "drop", "error", "notify"],
      conditions: ["deliver", "expire-at", "match-resource"],
      assumed: false,
    })
    expect(client.iqs.map((iq) => [iq.attrs.to, iq.getChild("query")?.attrs.node])).toEqual([
      ["example.test", undefined],
      ["example.test", AMP_DISCO_NODE],
    ])
  })

  it("Example 4: alert is not listed, so an alert rule fails fast, naming it, before sending", async () => {
    const nodeInfo = example(4).getChild("query", DISCO_INFO_NS) as Element
    const client = stubClient(
      ME,
      answering((node) => (node === undefined ? rootInfo(AMP_DISCO_NODE) : nodeInfo)),
    )
    const plugin = amp(client)
    expect((await plugin.support()).actions).toEqual(["drop", "error", "notify"])
    const sending = plugin.send(message(), [
      rule.notify.deliver("direct"),
      rule.alert.deliver("stored"),
    ])
    await expect(sending).rejects.toThrowError(
      "The server does not support the AMP action of: action='alert' condition='deliver' value='stored'",
    )
    await expect(sending).rejects.toMatchObject({
      reason: "unsupported-rules",
      kind: "unsupported-actions",
    })
    expect(client.sent).toEqual([])
  })

  it("an unsupported condition is named too", async () => {
    const client = stubClient(ME, answering(ampServer({ conditions: ["deliver"] })))
    const sending = amp(client).send(message(), [rule.drop.expireAt("2030-01-01T00:00:00Z")])
    await expect(sending).rejects.toThrowError(
      /AMP condition of: action='drop' condition='expire-at'/,
    )
    expect(client.sent).toEqual([])
  })

  it.each([
    ["an error", { error: "feature-not-implemented" }],
    ["an empty list", rootInfo()],
  ] as const)(
    "the AMP node answering %s means all defined actions and conditions (E17)",
    async (_, nodeAnswer) => {
      const client = stubClient(
        ME,
        answering((node) => (node === undefined ? rootInfo(AMP_DISCO_NODE) : nodeAnswer)),
      )
      const support = await amp(client).support()
      expect(support).toMatchObject({
        available: true,
        assumed: true,
        actions: ["alert", "drop", "error", "notify"],
      })
    },
  )

  it("no AMP in disco#info and no stream feature: sending with rules fails with amp-unavailable", async () => {
    const client = stubClient(
      ME,
      answering(() => rootInfo(DISCO_INFO_NS)),
    )
    const plugin = amp(client)
    expect(await plugin.support()).toMatchObject({ available: false, actions: [], conditions: [] })
    await expect(plugin.send(message(), [rule.drop.deliver("stored")])).rejects.toMatchObject({
      reason: "amp-unavailable",
    })
    expect(client.iqs).toHaveLength(1)
  })

  it("checkSupport: false sends without asking the server", async () => {
    const client = stubClient(ME)
    const tracker = await amp(client).send(message(), [rule.drop.deliver("stored")], {
      checkSupport: false,
    })
    expect(client.iqs).toEqual([])
    expect(client.sent[0]?.attrs.id).toBe(tracker.id)
  })

  it("the stream feature alone (Example 26) makes AMP available when disco#info fails", async () => {
    const client = stubClient(
      ME,
      answering(() => ({ error: "service-unavailable" })),
    )
    const plugin = amp(client)
    client.emit(
      "nonza",
      xml("stream:features", { "xmlns:stream": "http://etherx.jabber.org/streams" }),
    )
    expect(plugin.streamFeature).toBe(false)
    // Example 26 inside a stream header that binds its `stream:` prefix.
    const stream = parseXml(
      `<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>${exampleText(26)}</stream:stream>`,
    )
    client.emit("nonza", stream.getChildElements()[0])
    expect(plugin.streamFeature).toBe(true)
    expect(await plugin.support()).toMatchObject({
      available: true,
      streamFeature: true,
      advertisedInDisco: false,
      assumed: true,
    })
  })

  it("no answer (timeout, lost connection) is discovery-failed: nothing sent, nothing cached", async () => {
    let answer: DiscoAnswer = "silent"
    const client = stubClient(
      ME,
      answering((node) => (answer === "silent" ? answer : ampServer()(node))),
    )
    const plugin = amp(client)
    await expect(plugin.support()).rejects.toMatchObject({ reason: "discovery-failed" })
    await expect(plugin.send(message(), [rule.drop.deliver("stored")])).rejects.toThrowError(
      "AMP discovery of example.test failed: timeout",
    )
    expect(client.sent).toEqual([])
    answer = rootInfo()
    expect(await plugin.support()).toMatchObject({ available: true })
    client.emit("online")
    answer = "silent"
    client.emit("online")
    await new Promise((resolve) => setTimeout(resolve, 5))
    // 1 + 1 failed root queries, 2 + 2 answered, 1 failed in the background (no unhandled rejection).
    expect(client.iqs).toHaveLength(7)
  })

  it("invalid rules fail before any discovery query", async () => {
    const client = stubClient(ME, answering(ampServer()))
    const bad = { action: "notify", condition: "deliver", value: "later" } as const
    await expect(amp(client).send(message(), [bad as never])).rejects.toBeInstanceOf(AmpClientError)
    expect(client.iqs).toEqual([])
  })
})

describe("caching", () => {
  const counting = () => {
    let now = 1_000_000
    const client = stubClient(ME, answering(ampServer()))
    return {
      client,
      advance: (ms: number) => {
        now += ms
      },
      clock: () => now,
    }
  }

  it("reuses a result for up to 24 hours, then asks again", async () => {
    const { client, clock, advance } = counting()
    const plugin = amp(client, { clock })
    await plugin.support()
    advance(MAX_DISCOVERY_AGE - 1)
    await plugin.support()
    await plugin.send(message(), [rule.notify.deliver("direct")])
    expect(client.iqs).toHaveLength(2)
    advance(1)
    await plugin.support()
    expect(client.iqs).toHaveLength(4)
  })

  it("a longer discoveryMaxAge is capped at 24 hours; refresh forces new queries", async () => {
    const { client, clock, advance } = counting()
    const plugin = amp(client, { clock, discoveryMaxAge: 7 * MAX_DISCOVERY_AGE })
    await plugin.support()
    advance(MAX_DISCOVERY_AGE)
    await plugin.support()
    expect(client.iqs).toHaveLength(4)
    await plugin.support({ refresh: true })
    expect(client.iqs).toHaveLength(6)
  })

  it("concurrent callers share one discovery", async () => {
    const { client, clock } = counting()
    const plugin = amp(client, { clock })
    await Promise.all([plugin.support(), plugin.support(), plugin.support()])
    expect(client.iqs).toHaveLength(2)
  })

  it("coming online (a reconnect) drops the cache and discovers again", async () => {
    const { client, clock } = counting()
    const plugin = amp(client, { clock })
    const discovered: boolean[] = []
    plugin.on("support-discovered", (support) => discovered.push(support.available))
    await plugin.support()
    client.emit("online")
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(client.iqs).toHaveLength(4)
    await plugin.support()
    expect(client.iqs).toHaveLength(4)
    expect(discovered).toEqual([true, true])
  })

  it("discoverOnConnect: false only drops the cache", async () => {
    const { client, clock } = counting()
    const plugin = amp(client, { clock, discoverOnConnect: false })
    client.emit("online")
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(client.iqs).toHaveLength(0)
    await plugin.support()
    expect(client.iqs).toHaveLength(2)
  })
})
