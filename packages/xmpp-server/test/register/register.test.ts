// XEP-0077 in-band registration end to end: off by default (the pre-login IQ ends the stream
// with not-authorized), on with `[modules.register] enabled = true`: the form, account
// creation over WebSocket as the demo app does it, then a real login with @xmpp/client;
// taken usernames, short passwords, the per-address limit, plain TCP under `tls = "required"`,
// password change and account removal once logged in.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { WebSocket } from "ws"
import { xml } from "../../src/index.js"
import { StorageError } from "../../src/storage/Storage.js"
import { clientHeader, openRaw } from "../helpers/rawSocket.js"
import { startTestServer, type TestServer, tlsProxyHeaders } from "../helpers/testServer.js"
import { connectClient } from "../helpers/xmppClient.js"

const NS_REGISTER = "jabber:iq:register"
const framing = "urn:ietf:params:xml:ns:xmpp-framing"

/** Opens a WebSocket stream, sends `requests` one by one (each after the previous answer). */
const overWebSocket = (url: string, requests: ReadonlyArray<string>): Promise<Array<string>> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url, "xmpp", { headers: tlsProxyHeaders })
    const answers: Array<string> = []
    let next = 0
    const timer = setTimeout(() => reject(new Error(`timeout; got ${answers.join("\n")}`)), 5000)
    const sendNext = (): void => {
      const request = requests[next]
      next += 1
      if (request !== undefined) return void socket.send(request)
      clearTimeout(timer)
      socket.close()
      resolve(answers)
    }
    socket.on("open", () => socket.send(`<open xmlns='${framing}' to='localhost' version='1.0'/>`))
    socket.on("message", (data) => {
      const text = data.toString()
      if (text.startsWith("<open")) return
      if (text.includes("features")) return sendNext()
      answers.push(text)
      if (text.includes("stream:error") || text.includes("<close")) {
        clearTimeout(timer)
        return resolve(answers)
      }
      sendNext()
    })
    socket.on("error", reject)
  })

const form = `<iq xmlns='jabber:client' type='get' id='f' to='localhost'><query xmlns='${NS_REGISTER}'/></iq>`
const submit = (username: string, password: string, id = "s") =>
  `<iq xmlns='jabber:client' type='set' id='${id}' to='localhost'><query xmlns='${NS_REGISTER}'><username>${username}</username><password>${password}</password></query></iq>`

describe("registration off (the default)", () => {
  let test: TestServer
  beforeAll(async () => {
    test = await startTestServer()
  })
  afterAll(async () => {
    await test.stop()
  })

  it("refuses a registration IQ before login", async () => {
    const answers = await overWebSocket(test.websocketUrl, [form])
    expect(answers.join("")).toContain("not-authorized")
    expect(await test.server.repositories.accounts.get("newbie")).toBeUndefined()
  })
})

describe("registration on", () => {
  let test: TestServer
  beforeAll(async () => {
    test = await startTestServer({
      config: { modules: { register: { enabled: true, registrations_per_hour: 5 } } },
    })
  })
  afterAll(async () => {
    await test.stop()
  })

  it("creates an account over WebSocket that then logs in with SCRAM", async () => {
    const answers = await overWebSocket(test.websocketUrl, [form, submit("Newbie", "sesame-42")])
    expect(answers[0]).toContain("<instructions>")
    expect(answers[0]).toContain("<username")
    expect(answers[0]).toContain("<password")
    expect(answers[1]).toMatch(/type=["']result["']/)
    const client = await connectClient({
      service: test.websocketUrl,
      domain: "localhost",
      username: "newbie",
      password: "sesame-42",
    })
    expect(client.jid).toMatch(/^newbie@localhost\//)
    const info = await client.iq(
      xml(
        "iq",
        { type: "get", to: "localhost" },
        xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }),
      ),
    )
    const features = info
      .getChild("query")
      ?.getChildren("feature")
      .map((feature) => feature.attrs.var)
    expect(features).toContain(NS_REGISTER)
    await client.stop()
  })

  it("answers conflict for a taken username and not-acceptable for a short password", async () => {
    const answers = await overWebSocket(test.websocketUrl, [
      submit("taken", "long-enough", "a"),
      submit("taken", "other-password", "b"),
      submit("shorty", "abc", "c"),
      submit("bad user", "long-enough", "d"),
    ])
    expect(answers[0]).toMatch(/type=["']result["']/)
    expect(answers[1]).toContain("<conflict")
    expect(answers[2]).toContain("<not-acceptable")
    expect(answers[3]).toContain("<not-acceptable")
    expect(await test.server.repositories.accounts.get("shorty")).toBeUndefined()
  })

  it("limits the attempts (created or taken) one address makes per hour", async () => {
    const answers = await overWebSocket(
      test.websocketUrl,
      ["p1", "p2", "p3"].map((name) => submit(name, "long-enough", name)),
    )
    // The tests above made two accounts and tried one taken username from this address (three
    // attempts); the limit is five.
    expect(answers[0]).toMatch(/type=["']result["']/)
    expect(answers[1]).toMatch(/type=["']result["']/)
    expect(answers[2]).toContain("<resource-constraint")
    expect(await test.server.repositories.accounts.get("p2")).toBeDefined()
    expect(await test.server.repositories.accounts.get("p3")).toBeUndefined()
  })

  it("lets a logged-in user change the password, then remove the account", async () => {
    await test.addUser("mover", "first-pass")
    const client = await connectClient({
      service: test.websocketUrl,
      domain: "localhost",
      username: "mover",
      password: "first-pass",
    })
    const query = (...children: Array<ReturnType<typeof xml>>) =>
      xml("iq", { type: "set" }, xml("query", { xmlns: NS_REGISTER }, ...children))
    await client.iq(query(xml("username", {}, "mover"), xml("password", {}, "second-pass")))
    await client.stop()
    await expect(
      connectClient({
        service: test.websocketUrl,
        domain: "localhost",
        username: "mover",
        password: "first-pass",
      }),
    ).rejects.toThrow()
    const again = await connectClient({
      service: test.websocketUrl,
      domain: "localhost",
      username: "mover",
      password: "second-pass",
    })
    await again.iq(query(xml("remove")))
    await again.offline
    expect(await test.server.repositories.accounts.get("mover")).toBeUndefined()
    await again.stop()
  })
})

// Routing knows which bare JIDs are accounts from the in-memory account directory
// (src/auth/AccountDirectory.ts): registration and removal must keep it current.
describe("the account directory after registration and removal", () => {
  let test: TestServer
  beforeAll(async () => {
    test = await startTestServer({ config: { modules: { register: { enabled: true } } } })
  })
  afterAll(async () => {
    await test.stop()
  })

  it("stores a message for an account registered in-band while it is offline (the account directory)", async () => {
    const created = await overWebSocket(test.websocketUrl, [submit("inbox", "long-enough", "i")])
    expect(created[0]).toMatch(/type=["']result["']/)
    await test.addUser("sender", "sender-pass")
    const sender = await connectClient({
      service: test.websocketUrl,
      domain: "localhost",
      username: "sender",
      password: "sender-pass",
    })
    await sender.send(
      xml("message", { to: "inbox@localhost", type: "chat" }, xml("body", {}, "kept")),
    )
    // A ping after the message: the message was routed by the time its answer arrives.
    await sender.iq(
      xml("iq", { type: "get", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })),
    )
    expect(sender.received.filter((stanza) => stanza.attrs.type === "error")).toEqual([])
    const inbox = await connectClient({
      service: test.websocketUrl,
      domain: "localhost",
      username: "inbox",
      password: "long-enough",
    })
    await inbox.send(xml("presence"))
    const delivered = await inbox.waitFor((stanza) => stanza.getChildText("body") === "kept")
    expect(delivered.getChild("delay", "urn:xmpp:delay")).toBeDefined()
    await Promise.all([inbox.stop(), sender.stop()])
  })

  it("answers internal-server-error when storage fails, and creates nothing", async () => {
    const failure = new StorageError("accounts.create", "io", "the disk went away")
    const create = vi
      .spyOn(test.server.repositories.accounts, "create")
      .mockResolvedValueOnce(failure)
    try {
      const answers = await overWebSocket(test.websocketUrl, [submit("unlucky", "long-enough")])
      expect(answers[0]).toContain("<internal-server-error")
      expect(answers[0]).toMatch(/type=["']wait["']/)
    } finally {
      create.mockRestore()
    }
    expect(await test.server.repositories.accounts.get("unlucky")).toBeUndefined()
    const again = await overWebSocket(test.websocketUrl, [submit("unlucky", "long-enough")])
    expect(again[0]).toMatch(/type=["']result["']/)
  })

  it("bounces a message to an account removed in-band (the account directory)", async () => {
    const created = await overWebSocket(test.websocketUrl, [submit("leaver", "long-enough", "l")])
    expect(created[0]).toMatch(/type=["']result["']/)
    const leaver = await connectClient({
      service: test.websocketUrl,
      domain: "localhost",
      username: "leaver",
      password: "long-enough",
    })
    await leaver.iq(xml("iq", { type: "set" }, xml("query", { xmlns: NS_REGISTER }, xml("remove"))))
    await leaver.offline
    await leaver.stop()
    const sender = await connectClient({
      service: test.websocketUrl,
      domain: "localhost",
      username: "sender",
      password: "sender-pass",
    })
    await sender.send(
      xml("message", { to: "leaver@localhost", type: "chat", id: "gone" }, xml("body", {}, "hi")),
    )
    const bounce = await sender.waitFor((stanza) => stanza.attrs.id === "gone")
    expect(bounce.attrs.type).toBe("error")
    expect(bounce.getChild("error")?.getChild("service-unavailable")).toBeDefined()
    await sender.stop()
  })
})

describe("registration on a TLS-required TCP listener", () => {
  let test: TestServer
  beforeAll(async () => {
    test = await startTestServer({ config: { modules: { register: { enabled: true } } } })
  })
  afterAll(async () => {
    await test.stop()
  })

  it("is refused before STARTTLS", async () => {
    const connection = await openRaw(test.c2sPort)
    connection.send(clientHeader("localhost"))
    await connection.waitFor("</stream:features>")
    connection.send(submit("plain", "long-enough"))
    const text = await connection.waitFor("</iq>")
    expect(text).toContain("<not-allowed")
    expect(await test.server.repositories.accounts.get("plain")).toBeUndefined()
    connection.destroy()
  })
})
