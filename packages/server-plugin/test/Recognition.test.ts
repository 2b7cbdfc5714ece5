// Spec §2: what is an AMP request, and the structural rejections bounced with <bad-request/>
// (exact shape, no <amp/> copy, message neither delivered nor stored).
import { parseXml } from "@xmpp-amp/amp-core"
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

const badRequest = (text: string, id?: string) =>
  canonicalXml(
    `<message type='error' from='example.com' to='${ROMEO}'${id === undefined ? "" : ` id='${id}'`}>` +
      `<error type='modify' code='400'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>` +
      `<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>${text}</text></error></message>`,
  )

const start = async () => {
  harness = await setup()
  const juliet = harness.host.connect(JULIET_BALCONY)
  return { ...harness, juliet }
}

describe("recognising a request (spec §2)", () => {
  it("leaves messages without <amp/>, with another namespace or of type error to the host", async () => {
    const { send, romeo, juliet } = await start()
    const plain = parseXml(`<message to='${JULIET}' id='a'><body>hi</body></message>`)
    const otherNs = parseXml(
      `<message to='${JULIET}' id='b'><amp xmlns='urn:example:amp'><rule action='drop' condition='deliver' value='direct'/></amp></message>`,
    )
    const error = parseXml(
      `<message to='${JULIET}' id='c' type='error'><amp xmlns='http://jabber.org/protocol/amp'><rule action='drop' condition='deliver' value='direct'/></amp></message>`,
    )
    for (const message of [plain, otherNs, error]) {
      expect(await send(message)).toEqual({ _tag: "NotAmp" })
    }
    expect(romeo.received).toEqual([])
    expect(juliet.received).toEqual([])
  })

  const rejections: readonly [string, string, string, string | undefined][] = [
    [
      "a client-sent status attribute",
      `<message to='${JULIET}' id='s1'><body>x</body><amp xmlns='http://jabber.org/protocol/amp' status='notify' from='${JULIET}' to='${ROMEO}'><rule action='notify' condition='deliver' value='direct'/></amp></message>`,
      "A client may not send &lt;amp/&gt; with a status attribute: only servers write AMP replies.",
      "s1",
    ],
    [
      "a missing id",
      `<message to='${JULIET}'><body>x</body><amp xmlns='http://jabber.org/protocol/amp'><rule action='notify' condition='deliver' value='direct'/></amp></message>`,
      "A message with AMP rules needs a non-empty id attribute (XEP-0079 section 1.3).",
      undefined,
    ],
    [
      "an empty id",
      `<message to='${JULIET}' id=''><body>x</body><amp xmlns='http://jabber.org/protocol/amp'><rule action='notify' condition='deliver' value='direct'/></amp></message>`,
      "A message with AMP rules needs a non-empty id attribute (XEP-0079 section 1.3).",
      undefined,
    ],
    [
      "no rules",
      `<message to='${JULIET}' id='s3'><body>x</body><amp xmlns='http://jabber.org/protocol/amp'/></message>`,
      "&lt;amp/&gt; carries no &lt;rule/&gt;.",
      "s3",
    ],
    [
      "a bad per-hop",
      `<message to='${JULIET}' id='s4'><body>x</body><amp xmlns='http://jabber.org/protocol/amp' per-hop='yes'><rule action='notify' condition='deliver' value='direct'/></amp></message>`,
      "per-hop must be true, false, 1 or 0.",
      "s4",
    ],
  ]

  it.each(rejections)(
    "bounces %s with bad-request and delivers nothing",
    async (_, text, why, id) => {
      const { send, romeo, juliet, host } = await start()
      const result = await send(parseXml(text))
      expect(result._tag).toBe("Rejected")
      expect(received(romeo)).toEqual([badRequest(why, id)])
      expect(juliet.received).toEqual([])
      expect(host.store.offlineOf(JULIET)).toEqual([])
    },
  )

  it("bounces more rules than max_rules", async () => {
    harness = await setup({ config: { max_rules: 2 } })
    const juliet = harness.host.connect(JULIET_BALCONY)
    const rule = ["notify", "deliver", "direct"]
    await harness.send(ampMessage(JULIET, [rule, rule, rule], "many"))
    expect(received(harness.romeo)).toEqual([
      badRequest("&lt;amp/&gt; carries 3 rules; this server accepts at most 2.", "many"),
    ])
    expect(juliet.received).toEqual([])
  })

  it.each(["true", "false", "1", "0"])(
    "accepts per-hop='%s' and applies the rules here",
    async (perHop) => {
      const { send, romeo, juliet } = await start()
      const message = parseXml(
        `<message to='${JULIET}' id='p'><body>x</body><amp xmlns='http://jabber.org/protocol/amp' per-hop='${perHop}'><rule action='notify' condition='deliver' value='direct'/></amp></message>`,
      )
      expect(await send(message)).toMatchObject({ _tag: "Processed", end: "delivered" })
      expect(juliet.received).toHaveLength(1)
      expect(romeo.received.map((stanza) => stanza.getChild("amp")?.attrs.status)).toEqual([
        "notify",
      ])
    },
  )

  it("never shows the sender's <amp/> to the recipient", async () => {
    const { send, juliet } = await start()
    await send(ampMessage(JULIET, [["notify", "deliver", "direct"]]))
    expect(received(juliet)).toEqual([
      canonicalXml(
        `<message xmlns='jabber:client' to='${JULIET}' id='m1' type='chat'><body>Wherefore art thou?</body></message>`,
      ),
    ])
  })
})
