// End to end with a real @xmpp/client over TCP against a loopback fake XMPP server: the stanza
// on the wire, every event type (replies built by amp-core's server-side builders, spec §5),
// spoofed receipts, timeouts, reconnection refreshing discovery, and push helpers.

import xml, { type Element } from "@xmpp/xml"
import {
  type AmpRule,
  alertReply,
  errorActionReply,
  notifyReply,
  type RuleText,
  STANZAS_NS,
  validationErrorReply,
} from "@xmpp-amp/amp-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type AmpRuleSpec, type AmpTracker, recipes, rule } from "../src/index.js"
import { ampServer, rootInfo } from "./helpers/disco.js"
import { DOMAIN, JULIET, ME, openSession, type Session } from "./helpers/session.js"

const chat = (body = "Wherefore art thou?") =>
  xml("message", { to: JULIET, type: "chat" }, xml("body", {}, body))

const context = (id: string) => ({ serverDomain: DOMAIN, sender: ME, originalTo: JULIET, id })

const sentMessage = (session: Session, id: string) =>
  session.server.waitFor((stanza) => stanza.name === "message" && stanza.attrs.id === id)

const asRule = (spec: RuleText): AmpRule => spec as AmpRule

describe("against a real @xmpp/client", () => {
  let session: Session
  beforeAll(async () => {
    session = await openSession({ discoInfo: ampServer(), streamFeature: true })
  })
  afterAll(async () => {
    await session.close()
  })

  it("discovers support when it comes online and sees the stream feature", async () => {
    expect(session.amp.streamFeature).toBe(true)
    const support = await session.amp.support()
    expect(support).toMatchObject({ available: true, streamFeature: true, advertisedInDisco: true })
    expect(session.server.discoQueries.map((query) => query.node ?? "(root)")).toEqual([
      "(root)",
      "http://jabber.org/protocol/amp",
    ])
  })

  it("sends the message with an id and the rules, keeping its payload", async () => {
    const tracker = await session.amp.send(chat(), recipes.trackDelivery())
    const onWire = await sentMessage(session, tracker.id)
    expect(onWire.getChildText("body")).toBe("Wherefore art thou?")
    expect(onWire.getChild("amp", "http://jabber.org/protocol/amp")?.toString()).toBe(
      `<amp xmlns="http://jabber.org/protocol/amp"><rule action="notify" condition="deliver" value="direct"/><rule action="notify" condition="deliver" value="stored"/><rule action="notify" condition="deliver" value="none"/></amp>`,
    )
    tracker.close()
  })

  const scenarios: Array<{
    name: string
    rules: readonly AmpRuleSpec[]
    reply: (id: string, rules: readonly RuleText[]) => Element
    expected: Record<string, unknown>
  }> = [
    {
      name: "notified direct",
      rules: recipes.trackDelivery().rules,
      reply: (id, rules) => notifyReply(context(id), asRule(rules[0] as RuleText)),
      expected: { type: "notified", condition: "deliver", value: "direct" },
    },
    {
      name: "notified none",
      rules: [rule.notify.deliver("none")],
      reply: (id, rules) => notifyReply(context(id), asRule(rules[0] as RuleText)),
      expected: { type: "notified", value: "none" },
    },
    {
      name: "alerted (transient message would be stored)",
      rules: recipes.transient({ report: "alert" }).rules,
      reply: (id, rules) => alertReply(context(id), asRule(rules[0] as RuleText)),
      expected: {
        type: "alerted",
        rule: { action: "alert", condition: "deliver", value: "stored" },
      },
    },
    {
      name: "failed with the rule (error action)",
      rules: recipes.reliableDelivery().rules,
      reply: (id, rules) => errorActionReply(context(id), asRule(rules[0] as RuleText)),
      expected: {
        type: "failed",
        rule: { action: "error", condition: "match-resource", value: "other" },
      },
    },
    {
      name: "rejected: not-acceptable (presence check)",
      rules: [rule.notify.deliver("stored"), rule.drop.deliver("forward")],
      reply: (id, rules) => validationErrorReply(context(id), "not-acceptable", rules.slice(0, 1)),
      expected: {
        type: "rejected",
        kind: "not-acceptable",
        rules: [{ action: "notify", value: "stored" }],
      },
    },
    {
      name: "rejected: unsupported-actions",
      rules: [rule.alert.deliver("none")],
      reply: (id, rules) => validationErrorReply(context(id), "unsupported-actions", rules),
      expected: { type: "rejected", kind: "unsupported-actions" },
    },
    {
      name: "rejected: unsupported-conditions",
      rules: [rule.drop.matchResource("any")],
      reply: (id, rules) => validationErrorReply(context(id), "unsupported-conditions", rules),
      expected: { type: "rejected", kind: "unsupported-conditions" },
    },
    {
      name: "service unavailable",
      rules: [rule.drop.expireAt("2030-01-01T00:00:00Z")],
      reply: (id) =>
        xml(
          "message",
          { from: DOMAIN, to: ME, id, type: "error" },
          xml(
            "error",
            { type: "cancel", code: "503" },
            xml("service-unavailable", { xmlns: STANZAS_NS }),
          ),
        ),
      expected: { type: "bounced", condition: "service-unavailable" },
    },
    {
      name: "service unavailable with the amp copy (Example 23 shape)",
      rules: [rule.drop.expireAt("2030-01-01T00:00:00Z")],
      reply: (id, rules) =>
        xml(
          "message",
          { from: DOMAIN, to: ME, id, type: "error" },
          xml(
            "amp",
            { xmlns: "http://jabber.org/protocol/amp" },
            ...rules.map((spec) => xml("rule", { ...spec })),
          ),
          xml(
            "error",
            { type: "cancel", code: "503" },
            xml("service-unavailable", { xmlns: STANZAS_NS }),
          ),
        ),
      expected: { type: "service-unavailable" },
    },
    {
      name: "bounced (structural bad-request)",
      rules: [rule.notify.deliver("direct")],
      reply: (id) =>
        xml(
          "message",
          { from: DOMAIN, to: ME, id, type: "error" },
          xml("error", { type: "modify", code: "400" }, xml("bad-request", { xmlns: STANZAS_NS })),
        ),
      expected: { type: "bounced", condition: "bad-request" },
    },
  ]

  it.each(scenarios)("$name", async ({ rules, reply, expected }) => {
    const tracker = await session.amp.send(chat(), rules)
    await sentMessage(session, tracker.id)
    session.server.send(reply(tracker.id, tracker.rules))
    const outcome = await tracker.outcome({ timeout: 3_000 })
    expect(outcome).toMatchObject({ ...expected, id: tracker.id })
    expect(tracker.events).toHaveLength(1)
  })

  it("notified stored then direct: both events, settled by direct, in order via the iterator", async () => {
    const tracker = await session.amp.send(chat(), recipes.trackDelivery())
    await sentMessage(session, tracker.id)
    const seen: string[] = []
    const loop = (async () => {
      for await (const event of tracker)
        seen.push(event.type === "notified" ? String(event.value) : event.type)
    })()
    session.server.send(
      notifyReply(context(tracker.id), {
        index: 1,
        action: "notify",
        condition: "deliver",
        value: "stored",
      }),
    )
    session.server.send(
      notifyReply(context(tracker.id), {
        index: 0,
        action: "notify",
        condition: "deliver",
        value: "direct",
      }),
    )
    await loop
    expect(seen).toEqual(["stored", "direct"])
  })

  it("spoofed receipts from a contact or another domain are ignored; the server's is taken", async () => {
    const ignored: string[] = []
    const off = session.amp.on("reply-ignored", (reply) =>
      ignored.push(String(reply.stanza.attrs.from)),
    )
    const tracker = await session.amp.send(chat(), [rule.notify.deliver("direct")])
    await sentMessage(session, tracker.id)
    const genuine = notifyReply(context(tracker.id), {
      index: 0,
      action: "notify",
      condition: "deliver",
      value: "direct",
    })
    for (const from of [JULIET, "juliet@example.test", "evil.example"]) {
      const spoof = notifyReply(context(tracker.id), {
        index: 0,
        action: "notify",
        condition: "deliver",
        value: "direct",
      })
      spoof.attrs.from = from
      session.server.send(spoof)
    }
    expect(await tracker.outcome({ timeout: 200 })).toMatchObject({ type: "timeout", events: [] })
    expect(ignored).toEqual([JULIET, "juliet@example.test", "evil.example"])
    session.server.send(genuine)
    expect(await tracker.outcome({ timeout: 3_000 })).toMatchObject({
      type: "notified",
      value: "direct",
    })
    off()
  })

  it("times out when no reply comes (a silent drop rule that never fired)", async () => {
    const tracker = await session.amp.send(chat(), recipes.transient())
    const started = Date.now()
    const outcome = await tracker.outcome({ timeout: 150 })
    expect(outcome).toEqual({ type: "timeout", id: tracker.id, events: [] })
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    tracker.close()
  })

  it("an incoming chat message still carrying a request <amp/> reaches the app and is reported", async () => {
    const reported: unknown[] = []
    const off = session.amp.on("amp-in-message", (message) => reported.push(message.rules))
    const received = new Promise<Element>((resolve) => {
      const listener = (stanza: Element) => {
        if (stanza.attrs.id === "from-juliet") {
          session.xmpp.removeListener("stanza", listener as never)
          resolve(stanza)
        }
      }
      session.xmpp.on("stanza", listener as never)
    })
    session.server.send(
      `<message from='${JULIET}' to='${ME}' id='from-juliet' type='chat'><body>hi</body><amp xmlns='http://jabber.org/protocol/amp'><rule action='notify' condition='deliver' value='direct'/></amp></message>`,
    )
    expect((await received).getChildText("body")).toBe("hi")
    expect(reported).toEqual([[{ action: "notify", condition: "deliver", value: "direct" }]])
    off()
  })

  it("push: enable with publish-options and disable go out as XEP-0357 iqs", async () => {
    const enabling = session.amp.push.enable({
      jid: "push.example.net",
      node: "device-1",
      publishOptions: { secret: "s3cr3t" },
    })
    const enableIq = await session.server.waitFor(
      (stanza) => stanza.getChild("enable", "urn:xmpp:push:0") !== undefined,
    )
    expect(enableIq.attrs.type).toBe("set")
    const enable = enableIq.getChild("enable") as Element
    expect(enable.attrs).toMatchObject({ jid: "push.example.net", node: "device-1" })
    const fields = enable.getChild("x", "jabber:x:data")?.getChildren("field") ?? []
    expect(fields.map((field) => [field.attrs.var, field.getChildText("value")])).toEqual([
      ["FORM_TYPE", "http://jabber.org/protocol/pubsub#publish-options"],
      ["secret", "s3cr3t"],
    ])
    session.server.send(xml("iq", { type: "result", id: enableIq.attrs.id }))
    await enabling

    const disabling = session.amp.push.disable({ jid: "push.example.net" })
    const disableIq = await session.server.waitFor(
      (stanza) => stanza.getChild("disable", "urn:xmpp:push:0") !== undefined,
    )
    expect(disableIq.getChild("disable")?.attrs).toEqual({
      xmlns: "urn:xmpp:push:0",
      jid: "push.example.net",
    })
    session.server.send(
      xml(
        "iq",
        { type: "error", id: disableIq.attrs.id },
        xml("error", { type: "cancel" }, xml("item-not-found", { xmlns: STANZAS_NS })),
      ),
    )
    await expect(disabling).rejects.toMatchObject({ condition: "item-not-found" })
  })
})

describe("reconnection", () => {
  it("refreshes discovery on reconnect and keeps tracking messages sent before it", async () => {
    let alertSupported = false
    const session = await openSession({
      streamFeature: true,
      discoInfo: (node) =>
        ampServer(alertSupported ? {} : { actions: ["drop", "error", "notify"] })(node),
    })
    try {
      expect((await session.amp.support()).actions).not.toContain("alert")
      await expect(session.amp.send(chat(), [rule.alert.deliver("stored")])).rejects.toMatchObject({
        reason: "unsupported-rules",
      })
      const tracker: AmpTracker = await session.amp.send(chat(), [rule.notify.deliver("stored")])
      await sentMessage(session, tracker.id)

      alertSupported = true
      session.server.options.streamFeature = false
      const discovered = new Promise((resolve) => session.amp.on("support-discovered", resolve))
      session.server.dropConnection()
      await discovered
      expect(session.server.sessions).toBe(2)
      expect(session.server.discoQueries).toHaveLength(4)
      expect(session.amp.streamFeature).toBe(false)
      expect((await session.amp.support()).actions).toContain("alert")

      // The reply waited in offline storage and arrives on the new session (spec §5).
      session.server.send(
        notifyReply(context(tracker.id), {
          index: 0,
          action: "notify",
          condition: "deliver",
          value: "stored",
        }),
      )
      expect(await tracker.outcome({ timeout: 3_000 })).toMatchObject({
        type: "notified",
        value: "stored",
      })
      const alerting = await session.amp.send(chat(), [rule.alert.deliver("stored")])
      expect(alerting.id).toBeTruthy()
      alerting.close()
    } finally {
      await session.close()
    }
  })

  it("a server without AMP: no stream feature, no disco feature, sending rules fails fast", async () => {
    const session = await openSession({
      discoInfo: () => rootInfo("http://jabber.org/protocol/disco#info"),
    })
    try {
      await expect(session.amp.send(chat(), recipes.transient())).rejects.toMatchObject({
        reason: "amp-unavailable",
      })
      await session.xmpp.send(xml("message", { to: JULIET, id: "marker" }))
      await session.server.waitFor((stanza) => stanza.attrs.id === "marker")
      expect(
        session.server.received.filter((stanza) => stanza.getChild("amp") !== undefined),
      ).toEqual([])
    } finally {
      await session.close()
    }
  })
})
