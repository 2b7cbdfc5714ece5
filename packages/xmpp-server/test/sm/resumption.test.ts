// XEP-0198 over raw TCP: enabling, acks both ways, resumption after a dropped connection with
// exactly the unacknowledged stanzas re-sent (and stanzas that arrived while hibernated), a
// failed resumption, and the module hooks (acked, hibernated, heldBack, resumed, gone).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { ServerModule, XmlElement } from "../../src/index.js"
import { rawLogin } from "../helpers/rawSocket.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import { chat, countBody, NS_SM, rawAuthenticate, smLogin } from "./smRaw.js"

const events: Array<string> = []
const body = (stanza: XmlElement): string => stanza.getChildText("body") ?? stanza.name

const recorder: ServerModule = {
  name: "sm_recorder",
  setup: () => ({
    acked: (session, stanza) => events.push(`acked ${session.resource} ${body(stanza)}`),
    stanzaWritten: (session, stanza, ok) =>
      events.push(`written ${session.resource} ${body(stanza)} ${ok}`),
    hibernated: (session) => events.push(`hibernated ${session.resource}`),
    heldBack: (session, stanza, reason) =>
      events.push(`heldBack ${session.resource} ${body(stanza)} ${reason}`),
    resumed: (session) => events.push(`resumed ${session.resource}`),
    gone: (session, unacked) =>
      events.push(`gone ${session.resource} [${unacked.map(body).join(",")}]`),
  }),
}

let test: TestServer
beforeAll(async () => {
  test = await startTestServer({
    config: {
      listen: { c2s: { tls: "optional", allow_plain_without_tls: true } },
      modules: { stream_management: { resume_timeout: 30 } },
    },
    modules: [recorder],
  })
  await test.addUser("alice", "alice-pass")
  await test.addUser("bob", "bob-pass")
})
afterAll(async () => {
  await test.stop()
})

describe("XEP-0198 stream management", () => {
  it("advertises sm after authentication and counts handled stanzas in <a/>", async () => {
    const auth = await rawAuthenticate(test.c2sPort, "alice", "alice-pass")
    expect(auth.text()).toMatch(/<success[\s\S]*<sm xmlns=["']urn:xmpp:sm:3["']\/>/)
    auth.destroy()
    const { connection, id } = await smLogin(test.c2sPort, "alice", "alice-pass", "counter")
    expect(id.length).toBeGreaterThanOrEqual(20)
    connection.send(`<r xmlns='${NS_SM}'/>`)
    await connection.waitFor(`<a xmlns='${NS_SM}' h='0'/>`)
    connection.send(`<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>`)
    connection.send(`<presence/><r xmlns='${NS_SM}'/>`)
    await connection.waitFor(`<a xmlns='${NS_SM}' h='2'/>`)
    connection.send("</stream:stream>")
    await connection.closed
  })

  it("requests acks for stanzas it sends and reports each acknowledged one", async () => {
    events.length = 0
    const { connection } = await smLogin(test.c2sPort, "alice", "alice-pass", "acker")
    const bob = await rawLogin(test.c2sPort, "localhost", "bob", "bob-pass", "desk")
    bob.send(chat("alice@localhost/acker", "first"))
    await connection.waitFor(/<body>first<\/body>[\s\S]*<r xmlns='urn:xmpp:sm:3'\/>/)
    connection.send(`<a xmlns='${NS_SM}' h='1'/>`)
    await expect.poll(() => events).toContain("acked acker first")
    connection.send("</stream:stream>")
    bob.destroy()
    await connection.closed
  })

  it("resumes a dropped session: re-sends exactly the unacknowledged stanzas, then new ones", async () => {
    events.length = 0
    const first = await smLogin(test.c2sPort, "alice", "alice-pass", "phone")
    const bob = await rawLogin(test.c2sPort, "localhost", "bob", "bob-pass", "laptop")
    bob.send(chat("alice@localhost/phone", "m1") + chat("alice@localhost/phone", "m2"))
    await first.connection.waitFor("<body>m2</body>")
    first.connection.send(`<a xmlns='${NS_SM}' h='1'/>`)
    await expect.poll(() => events).toContain("acked phone m1")
    first.connection.destroy()
    await expect.poll(() => events).toContain("hibernated phone")

    bob.send(chat("alice@localhost/phone", "m3"))
    await expect.poll(() => events).toContain("heldBack phone m3 hibernated")

    const second = await rawAuthenticate(test.c2sPort, "alice", "alice-pass")
    second.send(`<resume xmlns='${NS_SM}' previd='${first.id}' h='1'/>`)
    const text = await second.waitFor(/<resumed[^>]*\/>[\s\S]*<body>m3<\/body>/)
    expect(text).toContain(`previd='${first.id}'`)
    expect(countBody(text, "m1")).toBe(0)
    expect(countBody(text, "m2")).toBe(1)
    expect(countBody(text, "m3")).toBe(1)
    expect(text.indexOf("<body>m2</body>")).toBeLessThan(text.indexOf("<body>m3</body>"))
    expect(events).toContain("resumed phone")
    // Each message's write is reported once, though m2 went out twice.
    await expect.poll(() => events).toContain("written phone m3 true")
    for (const name of ["m1", "m2", "m3"])
      expect(events.filter((event) => event.startsWith(`written phone ${name} `))).toEqual([
        `written phone ${name} true`,
      ])

    bob.send(chat("alice@localhost/phone", "m4"))
    await second.waitFor("<body>m4</body>")
    second.send(`<a xmlns='${NS_SM}' h='4'/>`)
    await expect.poll(() => events).toContain("acked phone m4")
    second.send("</stream:stream>")
    await second.closed
    await expect.poll(() => events).toContain("gone phone []")
    bob.destroy()
  })

  it("refuses to resume an unknown session and still lets the client bind", async () => {
    const connection = await rawAuthenticate(test.c2sPort, "alice", "alice-pass")
    connection.send(`<resume xmlns='${NS_SM}' previd='no-such-session' h='0'/>`)
    await connection.waitFor(
      `<failed xmlns='${NS_SM}'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>`,
    )
    connection.send(
      `<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>again</resource></bind></iq>`,
    )
    await connection.waitFor("<jid>alice@localhost/again</jid>")
    connection.destroy()
  })

  it("does not let another account resume a session", async () => {
    const alice = await smLogin(test.c2sPort, "alice", "alice-pass", "private")
    alice.connection.destroy()
    const bob = await rawAuthenticate(test.c2sPort, "bob", "bob-pass")
    bob.send(`<resume xmlns='${NS_SM}' previd='${alice.id}' h='0'/>`)
    await bob.waitFor("<item-not-found")
    bob.destroy()
  })

  it("ends the stream when the client acknowledges more than was sent", async () => {
    const { connection } = await smLogin(test.c2sPort, "alice", "alice-pass", "liar")
    connection.send(`<a xmlns='${NS_SM}' h='5'/>`)
    await connection.waitFor("<undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>")
    await connection.closed
  })
})

describe("XEP-0198 hibernation and a new login", () => {
  it("hands a hibernated session's unacked messages to the login that replaces it", async () => {
    events.length = 0
    const old = await smLogin(test.c2sPort, "alice", "alice-pass", "tab")
    const bob = await rawLogin(test.c2sPort, "localhost", "bob", "bob-pass", "tab-sender")
    bob.send(chat("alice@localhost/tab", "r1"))
    await old.connection.waitFor("<body>r1</body>")
    old.connection.destroy()
    await expect.poll(() => events).toContain("hibernated tab")
    bob.send(chat("alice@localhost/tab", "r2"))
    await expect.poll(() => events).toContain("heldBack tab r2 hibernated")

    // The new login replaces the hibernated session; its messages wait offline until the
    // new session is available.
    const fresh = await rawLogin(test.c2sPort, "localhost", "alice", "alice-pass", "tab")
    fresh.send("<presence/>")
    const text = await fresh.waitFor("<body>r2</body>")
    expect(countBody(text, "r1")).toBe(1)
    expect(countBody(text, "r2")).toBe(1)
    await expect.poll(() => events).toContain("gone tab [r1,r2]")
    const again = await rawAuthenticate(test.c2sPort, "alice", "alice-pass")
    again.send(`<resume xmlns='${NS_SM}' previd='${old.id}' h='0'/>`)
    await again.waitFor("<item-not-found")
    for (const connection of [fresh, again, bob]) connection.destroy()
  })

  it("resumes over WebSocket a session that was opened over TCP", async () => {
    const { WebSocket } = await import("ws")
    const first = await smLogin(test.c2sPort, "alice", "alice-pass", "roamer")
    const bob = await rawLogin(test.c2sPort, "localhost", "bob", "bob-pass", "roam-sender")
    bob.send(chat("alice@localhost/roamer", "w1"))
    await first.connection.waitFor("<body>w1</body>")
    first.connection.destroy()
    await expect.poll(() => events).toContain("hibernated roamer")
    const socket = new WebSocket(test.websocketUrl, "xmpp")
    let received = ""
    const framing = "urn:ietf:params:xml:ns:xmpp-framing"
    socket.on("message", (data) => {
      const text = data.toString()
      received += text
      if (text.includes("mechanism")) {
        const credentials = Buffer.from("\u0000alice\u0000alice-pass").toString("base64")
        socket.send(
          `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${credentials}</auth>`,
        )
      } else if (text.includes("<success"))
        socket.send(`<open xmlns='${framing}' to='localhost' version='1.0'/>`)
      else if (text.includes("urn:xmpp:sm:3") && text.includes("features"))
        socket.send(`<resume xmlns='${NS_SM}' previd='${first.id}' h='0'/>`)
    })
    await new Promise((resolve) => socket.on("open", resolve))
    socket.send(`<open xmlns='${framing}' to='localhost' version='1.0'/>`)
    await expect.poll(() => received.includes("<body>w1</body>")).toBe(true)
    expect(received).toMatch(/<resumed /)
    bob.send(chat("alice@localhost/roamer", "w2"))
    await expect.poll(() => received.includes("<body>w2</body>")).toBe(true)
    expect(countBody(received, "w1")).toBe(1)
    socket.send(`<a xmlns='${NS_SM}' h='2'/><close xmlns='${framing}'/>`)
    await expect.poll(() => events).toContain("gone roamer []")
    socket.close()
    bob.destroy()
  })
})
