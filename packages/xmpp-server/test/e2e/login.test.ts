// Logging in end to end (RFC 6120 §5–§7): STARTTLS, each SASL mechanism with two independent
// clients (@xmpp/client and slixmpp), direct TLS (XEP-0368), WebSocket (RFC 7395), bad
// passwords, resource binding with generated resources and conflicts, graceful shutdown.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { xml } from "../../src/index.js"
import { freePort } from "../helpers/freePort.js"
import { clientHeader, openRaw } from "../helpers/rawSocket.js"
import { runSlixmpp } from "../helpers/slixmpp.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import { connectClient } from "../helpers/xmppClient.js"

let test: TestServer
let directTlsPort: number
const tcp = () => `xmpp://127.0.0.1:${test.c2sPort}`

beforeAll(async () => {
  directTlsPort = await freePort()
  test = await startTestServer({ config: { listen: { c2s: { direct_tls_port: directTlsPort } } } })
  await test.addUser("alice", "alice-pass")
  await test.addUser("bob", "bob-pass")
  await test.addUser("Carol", "carol-pass")
})
afterAll(async () => {
  await test.stop()
})

describe("STARTTLS and SASL with @xmpp/client", () => {
  it("offers only STARTTLS (required) before TLS when tls = required", async () => {
    const connection = await openRaw(test.c2sPort)
    connection.send(clientHeader("localhost"))
    const text = await connection.waitFor("</stream:features>")
    expect(text).toContain(
      '<starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"><required/></starttls>',
    )
    expect(text).not.toContain("<mechanisms")
    connection.send(
      "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAGFsaWNlLXBhc3M=</auth>",
    )
    await connection.waitFor("<encryption-required/>")
    connection.destroy()
  })

  it.each(["SCRAM-SHA-1", "PLAIN"] as const)(
    "logs in with %s after STARTTLS",
    async (mechanism) => {
      const client = await connectClient({
        service: tcp(),
        domain: "localhost",
        username: "alice",
        password: "alice-pass",
        mechanism,
      })
      expect(client.jid).toMatch(/^alice@localhost\/.+/)
      const pong = await client.iq(
        xml("iq", { type: "get", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })),
      )
      expect(pong.attrs.type).toBe("result")
      await client.stop()
    },
  )

  it.each(["SCRAM-SHA-1", "PLAIN"] as const)(
    "never logs in with a bad password over %s",
    async (mechanism) => {
      await expect(
        connectClient({
          service: tcp(),
          domain: "localhost",
          username: "bob",
          password: "wrong",
          mechanism,
        }),
      ).rejects.toThrow(/not-authorized/)
    },
  )

  it("refuses an unknown user like a bad password", async () => {
    await expect(
      connectClient({
        service: tcp(),
        domain: "localhost",
        username: "nobody",
        password: "x",
        mechanism: "SCRAM-SHA-1",
      }),
    ).rejects.toThrow(/not-authorized/)
  })

  it("normalises the username's case", async () => {
    const client = await connectClient({
      service: tcp(),
      domain: "localhost",
      username: "CAROL",
      password: "carol-pass",
    })
    expect(client.jid).toMatch(/^carol@localhost\//)
    await client.stop()
  })

  it("logs in over direct TLS (XEP-0368)", async () => {
    const client = await connectClient({
      service: `xmpps://127.0.0.1:${directTlsPort}`,
      domain: "localhost",
      username: "alice",
      password: "alice-pass",
      mechanism: "PLAIN",
    })
    expect(client.jid).toMatch(/^alice@localhost\//)
    await client.stop()
  })

  it("logs in over WebSocket (RFC 7395) and chats with a TCP user", async () => {
    const bob = await connectClient({
      service: test.websocketUrl,
      domain: "localhost",
      username: "bob",
      password: "bob-pass",
      resource: "web",
    })
    const alice = await connectClient({
      service: tcp(),
      domain: "localhost",
      username: "alice",
      password: "alice-pass",
      resource: "desk",
    })
    await alice.send(
      xml(
        "message",
        { to: "bob@localhost/web", type: "chat", id: "w1" },
        xml("body", {}, "over tcp"),
      ),
    )
    const got = await bob.waitFor((stanza) => stanza.is("message"))
    expect(got.attrs.from).toBe("alice@localhost/desk")
    await bob.send(
      xml(
        "message",
        { to: "alice@localhost/desk", type: "chat", id: "w2" },
        xml("body", {}, "over ws"),
      ),
    )
    const reply = await alice.waitFor((stanza) => stanza.is("message"))
    expect(reply.getChildText("body")).toBe("over ws")
    await alice.stop()
    await bob.stop()
  })
})

describe("SASL with slixmpp (an independent client)", () => {
  it.each(["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"])("logs in with %s", async (mechanism) => {
    const result = await runSlixmpp({
      host: "127.0.0.1",
      port: test.c2sPort,
      jid: "alice@localhost/sli",
      password: "alice-pass",
      mechanism,
    })
    expect(result).toMatchObject({
      authenticated: true,
      bound_jid: "alice@localhost/sli",
      failure: null,
    })
  })

  it.each(["SCRAM-SHA-256", "PLAIN"])(
    "never logs in with a bad password over %s",
    async (mechanism) => {
      const result = await runSlixmpp({
        host: "127.0.0.1",
        port: test.c2sPort,
        jid: "bob@localhost/sli",
        password: "not-the-password",
        mechanism,
      })
      expect(result.authenticated).toBe(false)
      expect(result.failure).not.toBeNull()
    },
  )
})

describe("resource binding", () => {
  it("generates a resource when the client asks for none", async () => {
    const client = await connectClient({
      service: tcp(),
      domain: "localhost",
      username: "alice",
      password: "alice-pass",
    })
    expect(client.jid).toMatch(/^alice@localhost\/[A-Za-z0-9_-]{8,}$/)
    await client.stop()
  })

  it("replaces the older session with a conflict stream error", async () => {
    const first = await connectClient({
      service: tcp(),
      domain: "localhost",
      username: "bob",
      password: "bob-pass",
      resource: "same",
    })
    const second = await connectClient({
      service: tcp(),
      domain: "localhost",
      username: "bob",
      password: "bob-pass",
      resource: "same",
    })
    await first.offline
    expect(first.errors.map((error) => error.condition)).toContain("conflict")
    const alice = await connectClient({
      service: tcp(),
      domain: "localhost",
      username: "alice",
      password: "alice-pass",
    })
    await alice.send(
      xml(
        "message",
        { to: "bob@localhost/same", type: "chat", id: "c1" },
        xml("body", {}, "to the new one"),
      ),
    )
    await second.waitFor((stanza) => stanza.getChildText("body") === "to the new one")
    await alice.stop()
    await second.stop()
  })
})
