// IQs the server answers (RFC 6120 §8.2.3, XEP-0030, XEP-0199, XEP-0092) and the errors for
// IQs nobody handles or that break the rules, over raw TCP so the exact XML is visible.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RawConnection, rawLogin } from "../helpers/rawSocket.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"

let test: TestServer
let alice: RawConnection

beforeAll(async () => {
  test = await startTestServer({
    config: { listen: { c2s: { tls: "optional", allow_plain_without_tls: true } } },
  })
  await test.addUser("alice", "alice-pass")
  await test.addUser("bob", "bob-pass")
  alice = await rawLogin(test.c2sPort, "localhost", "alice", "alice-pass", "raw")
})
afterAll(async () => {
  alice.destroy()
  await test.stop()
})

/** Sends an IQ and returns the server's answer with that id. */
const ask = async (id: string, iq: string): Promise<string> => {
  alice.send(iq)
  const text = await alice.waitFor(new RegExp(`<iq[^>]*id="${id}"[\\s\\S]*?(</iq>|/>)`))
  return (new RegExp(`<iq[^>]*id="${id}"[^>]*(/>|>[\\s\\S]*?</iq>)`).exec(text) ?? [""])[0]
}

describe("built-in IQs", () => {
  it("answers disco#info with the server identity and features", async () => {
    const reply = await ask(
      "d1",
      "<iq type='get' id='d1' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
    )
    expect(reply).toContain('type="result"')
    expect(reply).toContain('<identity category="server" type="im" name="xmpp-amp-server"/>')
    for (const feature of [
      "http://jabber.org/protocol/disco#info",
      "http://jabber.org/protocol/disco#items",
      "urn:xmpp:ping",
      "jabber:iq:version",
    ])
      expect(reply).toContain(`<feature var="${feature}"/>`)
  })

  it("answers disco#items, ping and version", async () => {
    expect(
      await ask(
        "i1",
        "<iq type='get' id='i1' to='localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>",
      ),
    ).toMatch(/type="result"[\s\S]*<query xmlns="http:\/\/jabber.org\/protocol\/disco#items"\/>/)
    expect(
      await ask("p1", "<iq type='get' id='p1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>"),
    ).toContain('type="result"')
    const version = await ask(
      "v1",
      "<iq type='get' id='v1' to='localhost'><query xmlns='jabber:iq:version'/></iq>",
    )
    expect(version).toContain("<name>xmpp-amp-server</name>")
    expect(version).toMatch(/<version>\d+\.\d+\.\d+<\/version>/)
  })

  it("answers an unknown disco node with item-not-found", async () => {
    const reply = await ask(
      "n1",
      "<iq type='get' id='n1' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info' node='nope'/></iq>",
    )
    expect(reply).toContain('type="error"')
    expect(reply).toContain('<item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>')
  })
})

describe("IQ errors", () => {
  it("answers an unhandled namespace with service-unavailable", async () => {
    const reply = await ask(
      "u1",
      "<iq type='get' id='u1' to='localhost'><query xmlns='urn:example:unknown'/></iq>",
    )
    expect(reply).toContain(
      '<error type="cancel"><service-unavailable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>',
    )
  })

  it("answers a set on a get-only protocol with feature-not-implemented", async () => {
    const reply = await ask(
      "s1",
      "<iq type='set' id='s1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>",
    )
    expect(reply).toContain(
      '<feature-not-implemented xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>',
    )
  })

  it("answers an IQ without a payload, or with two, with bad-request", async () => {
    expect(await ask("b1", "<iq type='get' id='b1' to='localhost'/>")).toContain("<bad-request")
    expect(
      await ask(
        "b2",
        "<iq type='get' id='b2' to='localhost'><ping xmlns='urn:xmpp:ping'/><ping xmlns='urn:xmpp:ping'/></iq>",
      ),
    ).toContain("<bad-request")
    expect(
      await ask("b3", "<iq type='fetch' id='b3' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>"),
    ).toContain("<bad-request")
  })

  it("answers an IQ to an unknown account with service-unavailable", async () => {
    const reply = await ask(
      "a1",
      "<iq type='get' id='a1' to='ghost@localhost'><ping xmlns='urn:xmpp:ping'/></iq>",
    )
    expect(reply).toContain("<service-unavailable")
    expect(reply).toContain('from="ghost@localhost"')
  })

  it("answers a ping to a known account on its behalf", async () => {
    const reply = await ask(
      "a2",
      "<iq type='get' id='a2' to='bob@localhost'><ping xmlns='urn:xmpp:ping'/></iq>",
    )
    expect(reply).toContain('type="result"')
    expect(reply).toContain('from="bob@localhost"')
  })
})
