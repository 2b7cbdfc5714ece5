// Failed-authentication limits and session limits (RFC 6120 §6.4.5, §7.6.2.1) over raw
// TCP: three failures end a stream while other users still log in (the per-address budget is
// test/limits/passwordGuessing.test.ts); the legacy session IQ; too many resources.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { clientHeader, openRaw, rawLogin } from "../helpers/rawSocket.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"

let test: TestServer
beforeAll(async () => {
  test = await startTestServer({
    config: {
      server: { max_sessions_per_user: 2 },
      listen: { c2s: { tls: "optional", allow_plain_without_tls: true } },
    },
  })
  await test.addUser("alice", "alice-pass")
  await test.addUser("bob", "bob-pass")
})
afterAll(async () => {
  await test.stop()
})

const plain = (username: string, password: string) =>
  `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\u0000${username}\u0000${password}`).toString("base64")}</auth>`

const failures = (text: string) => text.split("<not-authorized/>").length - 1

describe("failed authentication", () => {
  it("ends a stream after three failures", async () => {
    const first = await openRaw(test.c2sPort)
    first.send(clientHeader("localhost"))
    await first.waitFor("</stream:features>")
    for (let attempt = 1; attempt <= 3; attempt++) {
      first.send(plain("alice", `wrong-${attempt}`))
      await first.waitFor((text: string) => failures(text) >= attempt)
    }
    await first.waitFor("<policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>")
    await first.closed

    const bob = await rawLogin(test.c2sPort, "localhost", "bob", "bob-pass", "fine")
    expect(bob.text()).toContain("<jid>bob@localhost/fine</jid>")
    bob.destroy()
  })
})

describe("sessions", () => {
  it("answers the legacy session IQ and refuses more resources than allowed", async () => {
    const one = await rawLogin(test.c2sPort, "localhost", "bob", "bob-pass", "one")
    one.send("<iq type='set' id='sess'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>")
    await one.waitFor(/<iq[^>]*type="result"[^>]*id="sess"|<iq[^>]*id="sess"[^>]*type="result"/)
    const two = await rawLogin(test.c2sPort, "localhost", "bob", "bob-pass", "two")
    const three = await openRaw(test.c2sPort)
    three.send(clientHeader("localhost"))
    await three.waitFor("</stream:features>")
    three.send(plain("bob", "bob-pass"))
    await three.waitFor("<success")
    three.send(clientHeader("localhost"))
    await three.waitFor(/<success[\s\S]*<\/stream:features>/)
    three.send(
      "<iq type='set' id='b3'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>three</resource></bind></iq>",
    )
    const text = await three.waitFor("<resource-constraint")
    expect(text).toContain('<error type="wait">')
    for (const connection of [one, two, three]) connection.destroy()
  })
})
