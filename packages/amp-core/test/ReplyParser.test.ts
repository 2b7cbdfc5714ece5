// parseReply's tolerance of the XEP-0079 errata (E2, E3, E4, E5, E6, E8) and of servers that
// write replies differently (MongooseIM's failed-rules namespace, missing attributes).
import { parseReply, parseXml } from "@xmpp-amp/amp-core"
import { describe, expect, it } from "vitest"

const rule = "<rule action='error' condition='deliver' value='stored'/>"

describe("parseReply tolerance", () => {
  it("accepts failed-rules in the AMP namespace, as MongooseIM writes it (E2)", () => {
    const reply = parseXml(
      `<message type='error' id='a1' from='s'><error type='modify' code='500'>
        <undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
        <failed-rules xmlns='http://jabber.org/protocol/amp'>${rule}</failed-rules></error></message>`,
    )
    expect(parseReply(reply)).toMatchObject({
      kind: "error-action",
      id: "a1",
      rules: [{ action: "error", condition: "deliver", value: "stored" }],
    })
  })

  it("classifies by the container, whatever the legacy code (405 or 406, E8)", () => {
    for (const code of ["405", "406", "999", ""]) {
      const reply = parseXml(
        `<message type='error' id='v'><error type='modify' code='${code}'>
          <not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
          <invalid-rules xmlns='http://jabber.org/protocol/amp'>${rule}</invalid-rules></error></message>`,
      )
      expect(parseReply(reply)?.kind).toBe("not-acceptable")
    }
  })

  it("reads an error action with only an amp copy (status='error', undefined-condition)", () => {
    const reply = parseXml(
      `<message type='error' id='c'><amp xmlns='http://jabber.org/protocol/amp' status='error'>${rule}</amp>
        <error type='modify'><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`,
    )
    expect(parseReply(reply)).toMatchObject({ kind: "error-action", rules: [{ value: "stored" }] })
  })

  it("accepts bare and missing amp from/to and an absent id", () => {
    const reply = parseXml(
      `<message><amp xmlns='http://jabber.org/protocol/amp' status='notify' to='juliet@capulet.lit'>
        <rule action='notify' condition='deliver' value='direct'/></amp></message>`,
    )
    expect(parseReply(reply)).toEqual({
      kind: "notify",
      id: undefined,
      rules: [{ action: "notify", condition: "deliver", value: "direct" }],
      ampFrom: undefined,
      ampTo: "juliet@capulet.lit",
      from: undefined,
    })
  })

  it("ignores errors that carry nothing of AMP, and unknown statuses", () => {
    expect(
      parseReply(
        parseXml(
          "<message type='error' id='x'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>",
        ),
      ),
    ).toBeUndefined()
    expect(
      parseReply(
        parseXml(
          `<message id='y'><amp xmlns='http://jabber.org/protocol/amp' status='sideways'>${rule}</amp></message>`,
        ),
      ),
    ).toBeUndefined()
    expect(
      parseReply(
        parseXml(`<iq id='z'><amp xmlns='http://jabber.org/protocol/amp' status='notify'/></iq>`),
      ),
    ).toBeUndefined()
  })
})

describe("bounces that are not AMP replies", () => {
  it("a plain error bounce carrying the original status-less <amp/> is not classified", () => {
    const bounce = parseXml(
      `<message type='error' id='b1' from='capulet.lit'><body>hi</body>
        <amp xmlns='http://jabber.org/protocol/amp'>${rule}</amp>
        <error type='cancel'><remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`,
    )
    expect(parseReply(bounce)).toBeUndefined()
  })
})
