// Spec §7 (XEP-0079 §9): rules that could reveal the recipient's presence are refused with
// not-acceptable (listing them) unless the recipient shares presence with the sender.
import { afterEach, describe, expect, it } from "vitest"
import {
  ampMessage,
  canonicalXml,
  type Harness,
  JULIET,
  JULIET_BALCONY,
  ROMEO,
  received,
  setup,
} from "./support/harness.js"

let harness: Harness | undefined
afterEach(async () => {
  await harness?.plugin.stop()
  harness = undefined
})

const REVEALING = [
  ["notify", "deliver", "direct"],
  ["drop", "match-resource", "any"],
  ["alert", "expire-at", "2031-01-01T00:00:00Z"],
]
const SILENT = [["notify", "deliver", "forward"]]

const refusal = (to: string, rules: readonly string[][]) => {
  const list = rules
    .map(([a, c, v]) => `<rule action='${a}' condition='${c}' value='${v}'/>`)
    .join("")
  return canonicalXml(
    `<message type='error' from='example.com' to='${ROMEO}' id='m1'>` +
      `<amp xmlns='http://jabber.org/protocol/amp' status='error' from='${ROMEO}' to='${to}'>${list}</amp>` +
      `<error type='modify' code='406'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>` +
      `<invalid-rules xmlns='http://jabber.org/protocol/amp'>${list}</invalid-rules></error></message>`,
  )
}

describe("presence check (spec §7)", () => {
  it.each(["none", "to"])(
    "refuses revealing rules when the recipient's subscription is '%s'",
    async (subscription) => {
      harness = await setup()
      harness.host.setSubscription(JULIET, "romeo@example.com", subscription)
      const juliet = harness.host.connect(JULIET_BALCONY)
      const result = await harness.send(ampMessage(JULIET, [...REVEALING, ...SILENT]))
      expect(result).toEqual({ _tag: "Rejected", reason: "presence-check" })
      expect(received(harness.romeo)).toEqual([refusal(JULIET, REVEALING)])
      expect(juliet.received).toEqual([])
    },
  )

  it.each(["from", "both"])("allows them with subscription '%s'", async (subscription) => {
    harness = await setup()
    harness.host.setSubscription(JULIET, "romeo@example.com", subscription)
    const juliet = harness.host.connect(JULIET_BALCONY)
    const rules = [
      ["notify", "match-resource", "any"],
      ["notify", "deliver", "direct"],
      ["notify", "expire-at", "2031-01-01T00:00:00Z"],
    ]
    expect(await harness.send(ampMessage(JULIET, rules))).toMatchObject({
      _tag: "Processed",
      end: "delivered",
    })
    expect(juliet.received).toHaveLength(1)
    expect(
      harness.romeo.received.map((s) => s.getChild("amp")?.getChild("rule")?.attrs.condition),
    ).toEqual(["match-resource", "deliver"])
  })

  it("allows them to the sender's own account", async () => {
    harness = await setup()
    const other = harness.host.connect("romeo@example.com/garden")
    await harness.send(ampMessage("romeo@example.com/garden", [["notify", "deliver", "direct"]]))
    expect(other.received).toHaveLength(1)
    expect(harness.romeo.received.map((s) => s.getChild("amp")?.attrs.status)).toEqual(["notify"])
  })

  it("treats an unknown local user like one who shares nothing", async () => {
    harness = await setup()
    const to = "nobody@example.com"
    await harness.send(ampMessage(to, REVEALING))
    expect(received(harness.romeo)).toEqual([refusal(to, REVEALING)])
  })

  it("never refuses forward and gateway rules", async () => {
    harness = await setup()
    harness.host.setSubscription(JULIET, "romeo@example.com", "none")
    const juliet = harness.host.connect(JULIET_BALCONY)
    const rules = [...SILENT, ["error", "deliver", "gateway"]]
    expect(await harness.send(ampMessage(JULIET, rules))).toMatchObject({
      _tag: "Processed",
      end: "delivered",
    })
    expect(juliet.received).toHaveLength(1)
    expect(harness.romeo.received).toEqual([])
  })

  it("is off with presence_check = false", async () => {
    harness = await setup({ config: { presence_check: false } })
    harness.host.setSubscription(JULIET, "romeo@example.com", "none")
    const juliet = harness.host.connect(JULIET_BALCONY)
    await harness.send(ampMessage(JULIET, [["notify", "deliver", "direct"]]))
    expect(juliet.received).toHaveLength(1)
    expect(harness.romeo.received.map((s) => s.getChild("amp")?.attrs.status)).toEqual(["notify"])
  })

  it("leaves recipients on other domains to their own server", async () => {
    harness = await setup()
    const to = "mercutio@verona.example"
    const result = await harness.send(ampMessage(to, [["notify", "deliver", "none"]]))
    expect(result).toMatchObject({ _tag: "Processed", end: "discarded" })
    expect(received(harness.romeo)).toEqual([
      canonicalXml(
        `<message from='example.com' to='${ROMEO}' id='m1'><amp xmlns='http://jabber.org/protocol/amp' status='notify' from='${ROMEO}' to='${to}'><rule action='notify' condition='deliver' value='none'/></amp></message>`,
      ),
      canonicalXml(
        `<message type='error' from='${to}' to='${ROMEO}' id='m1'><error type='cancel'><remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`,
      ),
    ])
  })
})
