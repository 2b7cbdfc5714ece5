// Replies reaching the plugin through @xmpp/client's middleware path: the XEP-0079 examples,
// the errata (E2–E6, E8, E15), MongooseIM-style replies, spoofed receipts and stray <amp/>.
import { describe, expect, it } from "vitest"
import { type AmpEvent, amp, type IgnoredReply } from "../src/index.js"
import { example, exampleText } from "./helpers/fixtures.js"
import { stubClient } from "./helpers/stubClient.js"

const ME = "bernardo@hamlet.lit/elsinore"

const setup = () => {
  const client = stubClient(ME)
  const plugin = amp(client)
  const ignored: IgnoredReply[] = []
  plugin.on("reply-ignored", (reply) => ignored.push(reply))
  return { client, plugin, ignored }
}

/** Tracks `id`, feeds `stanza`, and returns the events the tracker received. */
const eventsFor = (
  id: string,
  stanza: string,
): { events: readonly AmpEvent[]; ignored: IgnoredReply[] } => {
  const { client, plugin, ignored } = setup()
  const tracker = plugin.track(id)
  client.receive(stanza)
  return { events: tracker.events, ignored }
}

describe("XEP-0079 example replies", () => {
  it("Example 7 / 15: alert reply, bare amp@to", () => {
    for (const number of [7, 15]) {
      const { events } = eventsFor("chatty2", exampleText(number))
      expect(events).toMatchObject([
        {
          type: "alerted",
          id: "chatty2",
          rule: { action: "alert", condition: "deliver", value: "stored" },
        },
      ])
    }
  })

  it("Example 8 / 25: error action with failed-rules, amp from/to swapped (E3)", () => {
    for (const number of [8, 25]) {
      const { events } = eventsFor("chatty2", exampleText(number))
      expect(events).toMatchObject([
        {
          type: "failed",
          rule: { action: "error", condition: "deliver", value: "stored" },
          rules: [{ action: "error", condition: "deliver", value: "stored" }],
        },
      ])
    }
  })

  it("Example 9: notify reply gives the deliver value", () => {
    const { events } = eventsFor("chatty2", exampleText(9))
    expect(events).toMatchObject([{ type: "notified", condition: "deliver", value: "stored" }])
  })

  it("Example 11: error without type='error' or status is still a failure (E4)", () => {
    const { events } = eventsFor("ibb1", exampleText(11))
    expect(events).toMatchObject([
      { type: "failed", rule: { action: "error", condition: "match-resource", value: "other" } },
    ])
  })

  it.each([
    [17, "unsupported-actions"],
    [19, "unsupported-conditions"],
    [21, "not-acceptable"],
  ] as const)(
    "Example %i: validation error (amp copy without status, E5; code 405, E8)",
    (number, kind) => {
      const stanza = example(number)
      const id = String(stanza.attrs.id)
      const fromOwnServer = exampleText(number).replace(/from='[^']*'/, `from='shakespeare.lit'`)
      const client = stubClient("northumberland@shakespeare.lit/westminster")
      const tracker = amp(client).track(id)
      client.receive(fromOwnServer)
      expect(tracker.events).toMatchObject([
        {
          type: "rejected",
          kind,
          rules: [{ action: "drop", condition: "expire-at", value: "2004-01-01T00:00:00Z" }],
        },
      ])
      expect(tracker.done).toBe(true)
    },
  )

  it("Example 23 from the user's own server: service unavailable", () => {
    const text = exampleText(23).replace("royalty.england.lit", "shakespeare.lit")
    const client = stubClient("northumberland@shakespeare.lit/westminster")
    const tracker = amp(client).track("richard2-4.1.247")
    client.receive(text)
    expect(tracker.events).toMatchObject([{ type: "service-unavailable", id: "richard2-4.1.247" }])
  })

  it("Example 23 as written (from the recipient's domain) is ignored: only the own server is trusted", () => {
    const client = stubClient("northumberland@shakespeare.lit/westminster")
    const plugin = amp(client)
    const ignored: IgnoredReply[] = []
    plugin.on("reply-ignored", (reply) => ignored.push(reply))
    const tracker = plugin.track("richard2-4.1.247")
    client.receive(exampleText(23))
    expect(tracker.events).toEqual([])
    expect(ignored.map((reply) => reply.reason)).toEqual(["foreign-sender"])
  })

  it("Example 24: a status='error' copy with a body and no <error/> is tolerated as a failure (E6)", () => {
    const { events } = eventsFor("chatty2", exampleText(24))
    expect(events).toMatchObject([{ type: "failed", rule: { action: "error", value: "stored" } }])
  })
})

describe("other servers' replies", () => {
  it("MongooseIM: failed-rules in the amp namespace and code 405 still parse (E2, E8)", () => {
    const { events } = eventsFor(
      "m1",
      `<message from='hamlet.lit' to='${ME}' id='m1' type='error'>
        <amp xmlns='http://jabber.org/protocol/amp' status='error' to='${ME}' from='${ME}'>
          <rule action='error' condition='deliver' value='none'/></amp>
        <error type='modify' code='500'><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
          <failed-rules xmlns='http://jabber.org/protocol/amp'><rule action='error' condition='deliver' value='none'/></failed-rules>
        </error></message>`,
    )
    expect(events).toMatchObject([{ type: "failed", rule: { value: "none" } }])
  })

  it("several failed rules are all reported (E15)", () => {
    const { events } = eventsFor(
      "m2",
      `<message from='hamlet.lit' id='m2' type='error'><error type='modify'>
        <undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
        <failed-rules xmlns='http://jabber.org/protocol/amp#errors'>
          <rule action='error' condition='deliver' value='stored'/><rule action='error' condition='expire-at' value='2004-01-01T00:00:00Z'/>
        </failed-rules></error></message>`,
    )
    expect(events[0]?.type === "failed" ? events[0].rules.length : 0).toBe(2)
  })

  it("a reply without from (from the server, RFC 6120) is accepted; domain case is ignored", () => {
    const reply = (from: string) =>
      `<message ${from} id='m3'><amp xmlns='http://jabber.org/protocol/amp' status='notify'><rule action='notify' condition='deliver' value='direct'/></amp></message>`
    expect(eventsFor("m3", reply("")).events).toHaveLength(1)
    expect(eventsFor("m3", reply("from='HAMLET.lit'")).events).toHaveLength(1)
  })

  it("a plain error bounce from the recipient's address (RFC 6121 §8.5) is accepted; from others not", () => {
    const bounce = (from: string) =>
      `<message from='${from}' id='b1' type='error'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`
    const { client, plugin } = setup()
    const tracker = plugin.track("b1", { to: "francisco@hamlet.lit/pda" })
    client.receive(bounce("horatio@hamlet.lit"))
    expect(tracker.events).toEqual([])
    client.receive(bounce("Francisco@hamlet.lit"))
    expect(tracker.events).toMatchObject([{ type: "bounced", condition: "service-unavailable" }])
  })

  it("a plain error bounce of a tracked message (spec §2 bad-request) is a bounced event", () => {
    const { events } = eventsFor(
      "m4",
      `<message from='hamlet.lit' id='m4' type='error'><error type='modify' code='400'>
        <bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
        <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>no rules</text></error></message>`,
    )
    expect(events).toMatchObject([{ type: "bounced", condition: "bad-request", text: "no rules" }])
  })
})

describe("spoofed and stray AMP", () => {
  const notify = (from: string, id = "chatty2") =>
    `<message from='${from}' to='${ME}' id='${id}'><amp xmlns='http://jabber.org/protocol/amp' status='notify' from='${ME}' to='francisco@hamlet.lit'><rule action='notify' condition='deliver' value='direct'/></amp></message>`

  it.each([
    ["a contact", "francisco@hamlet.lit/pda"],
    ["a contact's bare JID", "francisco@hamlet.lit"],
    ["another server", "evil.example"],
    ["the user's own account", "bernardo@hamlet.lit"],
  ])("a receipt from %s is ignored", (_, from) => {
    const { events, ignored } = eventsFor("chatty2", notify(from))
    expect(events).toEqual([])
    expect(ignored.map((reply) => reply.reason)).toEqual(["foreign-sender"])
  })

  it("a spoofed failure bounce from a contact does not settle the message", () => {
    const { client, plugin } = setup()
    const tracker = plugin.track("chatty2")
    client.receive(exampleText(25).replace("from='hamlet.lit'", "from='francisco@hamlet.lit/pda'"))
    client.receive(
      `<message from='francisco@hamlet.lit/pda' id='chatty2' type='error'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`,
    )
    expect(tracker.done).toBe(false)
    client.receive(notify("hamlet.lit"))
    expect(tracker.events.map((event) => event.type)).toEqual(["notified"])
  })

  it("a reply for an id nobody tracks is reported as unknown-id", () => {
    const { ignored } = eventsFor("other", notify("hamlet.lit", "not-mine"))
    expect(ignored.map((reply) => reply.reason)).toEqual(["unknown-id"])
  })

  it("a contact's message still carrying an <amp/> request is passed on and reported", () => {
    const { client, plugin } = setup()
    const seen: unknown[] = []
    plugin.on("amp-in-message", (message) => seen.push(message.rules))
    const passedOn: string[] = []
    client.middleware.use(({ stanza }, next) => {
      passedOn.push(String(stanza.attrs.id))
      return next()
    })
    client.receive(exampleText(13).replace("to='francisco@hamlet.lit'", `to='${ME}'`))
    expect(seen).toEqual([[{ action: "drop", condition: "deliver", value: "stored" }]])
    expect(passedOn).toEqual(["chatty1"])
  })

  it("garbage AMP (no rules, unknown status) never throws and never settles anything", () => {
    const { client, plugin } = setup()
    const tracker = plugin.track("x")
    expect(() => {
      client.receive(
        `<message from='hamlet.lit' id='x'><amp xmlns='http://jabber.org/protocol/amp' status='bogus'/></message>`,
      )
      client.receive(
        `<message from='hamlet.lit' id='x'><amp xmlns='urn:other' status='notify'/></message>`,
      )
      client.receive(`<presence from='hamlet.lit' id='x'/>`)
    }).not.toThrow()
    expect(tracker.events).toEqual([])
  })
})
