// XEP-0357 §5–§7 elements: every declaration parses its fixture, serializes it back to the same
// XML, and refuses each bad input with the reason and XMPP condition of the push spec.
import { describe, expect, it } from "vitest"
import {
  dataFormCodec,
  disableCodec,
  enableCodec,
  errorReply,
  parsePushRequest,
  pushNotificationCodec,
  resultReply,
} from "../src/index.js"
import { canonicalXml, parseXml } from "./support/xml.js"

const publishOptionsForm = `
  <x xmlns='jabber:x:data' type='submit'>
    <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>
    <field var='secret'><value>s3cr3t-token</value></field>
  </x>`

const fixtures = [
  {
    name: "enable without publish options",
    codec: enableCodec,
    xml: `<enable xmlns='urn:xmpp:push:0' jid='push.example.net' node='device-7'/>`,
    value: { service: "push.example.net", node: "device-7" },
  },
  {
    name: "enable with publish options",
    codec: enableCodec,
    xml: `<enable xmlns='urn:xmpp:push:0' jid='push.example.net' node='device-7'>${publishOptionsForm}</enable>`,
    value: {
      service: "push.example.net",
      node: "device-7",
      publishOptions: {
        type: "submit",
        fields: [
          {
            var: "FORM_TYPE",
            type: "hidden",
            values: ["http://jabber.org/protocol/pubsub#publish-options"],
          },
          { var: "secret", values: ["s3cr3t-token"] },
        ],
      },
    },
  },
  {
    name: "disable one node",
    codec: disableCodec,
    xml: `<disable xmlns='urn:xmpp:push:0' jid='push.example.net' node='device-7'/>`,
    value: { service: "push.example.net", node: "device-7" },
  },
  {
    name: "disable every node",
    codec: disableCodec,
    xml: `<disable xmlns='urn:xmpp:push:0' jid='push.example.net'/>`,
    value: { service: "push.example.net" },
  },
  {
    name: "publish with summary and publish options",
    codec: pushNotificationCodec,
    xml: `
      <iq type='set' from='example.org' to='push.example.net' id='push-1'>
        <pubsub xmlns='http://jabber.org/protocol/pubsub'>
          <publish node='device-7'>
            <item>
              <notification xmlns='urn:xmpp:push:0'>
                <x xmlns='jabber:x:data' type='submit'>
                  <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:push:summary</value></field>
                  <field var='message-count'><value>3</value></field>
                  <field var='last-message-sender'><value>romeo@example.com</value></field>
                  <field var='last-message-body'><value>Wherefore art thou?</value></field>
                </x>
              </notification>
            </item>
          </publish>
          <publish-options>${publishOptionsForm}</publish-options>
        </pubsub>
      </iq>`,
    value: {
      from: "example.org",
      to: "push.example.net",
      id: "push-1",
      node: "device-7",
      summary: {
        messageCount: 3,
        lastMessageSender: "romeo@example.com",
        lastMessageBody: "Wherefore art thou?",
      },
      publishOptions: {
        type: "submit",
        fields: [
          {
            var: "FORM_TYPE",
            type: "hidden",
            values: ["http://jabber.org/protocol/pubsub#publish-options"],
          },
          { var: "secret", values: ["s3cr3t-token"] },
        ],
      },
    },
  },
] as const

describe("element declarations round-trip their fixtures", () => {
  it.each(fixtures)("$name: XML → value", ({ codec, xml, value }) => {
    const result = (codec as typeof enableCodec).parse(parseXml(xml))
    expect(result).toEqual({ ok: true, value })
  })

  it.each(fixtures)("$name: value → XML", ({ codec, xml, value }) => {
    const serialize = codec.serialize as (input: typeof value) => { toString(): string }
    expect(serialize(value).toString()).toBe(canonicalXml(xml))
  })
})

const iqFrom = (child: string): string => `<iq type='set' id='e1'>${child}</iq>`
const user = "juliet@example.org/balcony"

const refusals = [
  [
    "missing jid",
    iqFrom(`<enable xmlns='urn:xmpp:push:0' node='n'/>`),
    "missing-jid",
    "bad-request",
  ],
  [
    "empty jid",
    iqFrom(`<enable xmlns='urn:xmpp:push:0' jid='' node='n'/>`),
    "missing-jid",
    "bad-request",
  ],
  [
    "malformed jid",
    iqFrom(`<enable xmlns='urn:xmpp:push:0' jid='a b@c' node='n'/>`),
    "malformed-jid",
    "jid-malformed",
  ],
  [
    "jid without domain",
    iqFrom(`<enable xmlns='urn:xmpp:push:0' jid='user@' node='n'/>`),
    "malformed-jid",
    "jid-malformed",
  ],
  [
    "missing node",
    iqFrom(`<enable xmlns='urn:xmpp:push:0' jid='push.example.net'/>`),
    "missing-node",
    "bad-request",
  ],
  [
    "empty node",
    iqFrom(`<enable xmlns='urn:xmpp:push:0' jid='push.example.net' node=''/>`),
    "missing-node",
    "bad-request",
  ],
  [
    "form not submit",
    iqFrom(
      `<enable xmlns='urn:xmpp:push:0' jid='push.example.net' node='n'><x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field></x></enable>`,
    ),
    "form-not-submit",
    "bad-request",
  ],
  [
    "wrong FORM_TYPE",
    iqFrom(
      `<enable xmlns='urn:xmpp:push:0' jid='push.example.net' node='n'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:example:other</value></field></x></enable>`,
    ),
    "wrong-form-type",
    "bad-request",
  ],
  [
    "form without FORM_TYPE",
    iqFrom(
      `<enable xmlns='urn:xmpp:push:0' jid='push.example.net' node='n'><x xmlns='jabber:x:data' type='submit'><field var='secret'><value>x</value></field></x></enable>`,
    ),
    "wrong-form-type",
    "bad-request",
  ],
  [
    "two forms",
    iqFrom(
      `<enable xmlns='urn:xmpp:push:0' jid='push.example.net' node='n'><x xmlns='jabber:x:data' type='submit'/><x xmlns='jabber:x:data' type='submit'/></enable>`,
    ),
    "too-many-forms",
    "bad-request",
  ],
  [
    "form with a nameless field",
    iqFrom(
      `<enable xmlns='urn:xmpp:push:0' jid='push.example.net' node='n'><x xmlns='jabber:x:data' type='submit'><field><value>x</value></field></x></enable>`,
    ),
    "malformed-form",
    "bad-request",
  ],
  [
    "jid is the user's own bare JID",
    iqFrom(`<enable xmlns='urn:xmpp:push:0' jid='Juliet@example.org' node='n'/>`),
    "jid-is-own-account",
    "bad-request",
  ],
  [
    "jid is the user's own full JID",
    iqFrom(`<enable xmlns='urn:xmpp:push:0' jid='juliet@example.org/balcony' node='n'/>`),
    "jid-is-own-account",
    "bad-request",
  ],
  [
    "disable without jid",
    iqFrom(`<disable xmlns='urn:xmpp:push:0'/>`),
    "missing-jid",
    "bad-request",
  ],
  [
    "disable with empty node",
    iqFrom(`<disable xmlns='urn:xmpp:push:0' jid='push.example.net' node=''/>`),
    "missing-node",
    "bad-request",
  ],
  [
    "get instead of set",
    `<iq type='get' id='e1'><enable xmlns='urn:xmpp:push:0' jid='push.example.net' node='n'/></iq>`,
    "not-an-iq-set",
    "bad-request",
  ],
  [
    "no push element",
    iqFrom(`<enable xmlns='urn:example:other' jid='push.example.net' node='n'/>`),
    "missing-element",
    "bad-request",
  ],
] as const

describe("push requests are refused with the spec's XMPP error", () => {
  it.each(refusals)("%s → %s (%s)", (_name, xml, reason, condition) => {
    const result = parsePushRequest(parseXml(xml), user)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.reason).toBe(reason)
    expect(result.error.condition).toBe(condition)
    const reply = errorReply(parseXml(xml), user, result.error).toString()
    expect(reply).toContain(`<iq type="error" to="${user}" id="e1"><error type="modify">`)
    expect(reply).toContain(`<${condition} xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>`)
  })

  it("accepts a good enable and answers it with an empty result to its sender", () => {
    const iq = parseXml(
      `<iq type='set' id='e2' from='${user}'><enable xmlns='urn:xmpp:push:0' jid='push.example.net' node='n'/></iq>`,
    )
    expect(parsePushRequest(iq, user)).toEqual({
      ok: true,
      value: { kind: "enable", request: { service: "push.example.net", node: "n" } },
    })
    expect(resultReply(iq, user).toString()).toBe(`<iq type="result" to="${user}" id="e2"/>`)
  })
})

describe("data forms and publishes refuse malformed input", () => {
  it("refuses a form of an unknown type", () => {
    const result = dataFormCodec.parse(parseXml(`<x xmlns='jabber:x:data' type='weird'/>`))
    expect(result.ok ? undefined : result.error.reason).toBe("malformed-form")
  })

  it.each([
    ["not a set", `<iq type='get' from='a' to='b' id='1'/>`, "not-an-iq-set"],
    ["no addresses", `<iq type='set'/>`, "missing-jid"],
    ["no pubsub", `<iq type='set' from='a' to='b' id='1'/>`, "missing-element"],
    [
      "no node",
      `<iq type='set' from='a' to='b' id='1'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish/></pubsub></iq>`,
      "missing-node",
    ],
    [
      "no notification",
      `<iq type='set' from='a' to='b' id='1'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='n'><item/></publish></pubsub></iq>`,
      "missing-notification",
    ],
    [
      "summary with a wrong FORM_TYPE",
      `<iq type='set' from='a' to='b' id='1'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='n'><item><notification xmlns='urn:xmpp:push:0'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:example</value></field></x></notification></item></publish></pubsub></iq>`,
      "malformed-summary",
    ],
    [
      "summary with a negative count",
      `<iq type='set' from='a' to='b' id='1'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='n'><item><notification xmlns='urn:xmpp:push:0'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:xmpp:push:summary</value></field><field var='message-count'><value>-1</value></field></x></notification></item></publish></pubsub></iq>`,
      "malformed-summary",
    ],
  ])("publish with %s → %s", (_name, xml, reason) => {
    const result = pushNotificationCodec.parse(parseXml(xml))
    expect(result.ok ? undefined : result.error.reason).toBe(reason)
  })
})
