// The module system (src/modules): a test module uses every hook point the AMP plugin needs
// and the tests check what users see — stopped or rewritten stanzas, routing decisions with
// their sessions, write confirmations and failures, session events, disco and stream
// features, IQ handlers, server-sent stanzas, module options and timers.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  type ModuleApi,
  type RouteDecision,
  type ServerModule,
  type SessionCloseReason,
  type XmlElement,
  xml,
} from "../../src/index.js"
import { rawLogin } from "../helpers/rawSocket.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import { connectClient, type TestClient } from "../helpers/xmppClient.js"

interface Recorded {
  decisions: Array<{ id: string | undefined; from: string | undefined; decision: string }>
  written: Array<{ id: string | undefined; to: string; ok: boolean }>
  opened: Array<string>
  closed: Array<{ full: string; reason: SessionCloseReason }>
  handledOffline: Array<string | undefined>
  ticks: number
  options: Readonly<Record<string, unknown>> | undefined
}

const recorded: Recorded = {
  decisions: [],
  written: [],
  opened: [],
  closed: [],
  handledOffline: [],
  ticks: 0,
  options: undefined,
}
let moduleApi: ModuleApi | undefined

const describeDecision = (decision: RouteDecision): string =>
  decision.kind === "sessions"
    ? `sessions(${decision.match}):${decision.sessions.map((session) => session.full).join(",")}`
    : `none:${decision.reason}`

const recorder: ServerModule = {
  name: "recorder",
  setup: (api, options) => {
    moduleApi = api
    recorded.options = options
    api.every(20, () => {
      recorded.ticks += 1
    })
    return {
      stanzaReceived: (_session, stanza) => {
        const body = stanza.getChildText("body")
        if (body === "blocked") return "stop"
        if (body === "rewrite me") {
          return { replace: xml("message", { ...stanza.attrs }, xml("body", {}, "rewritten")) }
        }
        return undefined
      },
      messageRouted: ({ from, stanza, decision }) => {
        recorded.decisions.push({
          id: stanza.attrs.id,
          from: from?.full,
          decision: describeDecision(decision),
        })
        if (decision.kind === "none" && decision.reason === "no-available-session") {
          recorded.handledOffline.push(stanza.attrs.id)
          return "handled"
        }
        return undefined
      },
      stanzaWritten: (session, stanza, ok) => {
        if (stanza.is("message"))
          recorded.written.push({ id: stanza.attrs.id, to: session.full, ok })
      },
      sessionOpened: (session) => {
        recorded.opened.push(session.full)
      },
      sessionClosed: (session, reason) => {
        recorded.closed.push({ full: session.full, reason })
      },
      serverFeatures: ["urn:example:recorder"],
      accountFeatures: ["urn:example:recorder:account"],
      discoInfoNode: (node) => {
        if (node === "urn:example:recorder")
          return { identities: [], features: ["urn:example:recorder?x=1"] }
        if (node.startsWith("urn:example:recorder")) return "item-not-found"
        return undefined
      },
      streamFeatures: (stage) =>
        stage.authenticated ? [xml("recorder", { xmlns: "urn:example:recorder" })] : [],
      iqHandlers: {
        "urn:example:echo": (iq) =>
          xml(
            "iq",
            { type: "result", id: iq.attrs.id, to: iq.attrs.from },
            xml("echo", { xmlns: "urn:example:echo" }, "sync"),
          ),
        "urn:example:later": (iq, session) =>
          new Promise<XmlElement>((resolve) => {
            api.send(
              xml(
                "message",
                { from: api.domain, to: session.full, id: "from-module" },
                xml("body", {}, "sent by module"),
              ),
            )
            setTimeout(
              () => resolve(xml("iq", { type: "result", id: iq.attrs.id, to: iq.attrs.from })),
              10,
            )
          }),
      },
    }
  },
}

const disabled: ServerModule = {
  name: "never",
  setup: () => {
    throw new Error("a disabled module must not be set up")
  },
}

let test: TestServer
const clients: Array<TestClient> = []

beforeAll(async () => {
  test = await startTestServer({
    modules: [recorder, disabled],
    config: {
      // Without XEP-0198 a broken write ends the session at once (with it, the session
      // hibernates: see test/sm); @xmpp/client would otherwise enable it.
      modules: {
        recorder: { color: "blue" },
        never: { enabled: false },
        stream_management: { enabled: false },
      },
      testing: { faults: { socket_write_marker: "BREAK-SOCKET" } },
    },
  })
  for (const name of ["alice", "bob", "carol"]) await test.addUser(name, `${name}-pass`)
})
afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop()))
  await test.stop()
})

const login = async (username: string, resource: string): Promise<TestClient> => {
  const client = await connectClient({
    service: `xmpp://127.0.0.1:${test.c2sPort}`,
    domain: "localhost",
    username,
    password: `${username}-pass`,
    resource,
    mechanism: "PLAIN",
  })
  clients.push(client)
  await client.send(xml("presence"))
  await client.waitFor((stanza) => stanza.is("presence") && stanza.attrs.from === client.jid)
  return client
}

const message = (to: string, id: string, body: string) =>
  xml("message", { to, id, type: "chat" }, xml("body", {}, body))
const ping = (client: TestClient) =>
  client.iq(xml("iq", { type: "get", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })))

describe("module setup", () => {
  it("gets its [modules.NAME] table and skips modules with enabled = false", () => {
    expect(recorded.options).toEqual({ color: "blue" })
    expect(moduleApi?.domain).toBe("localhost")
  })

  it("runs periodic services", async () => {
    const before = recorded.ticks
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(recorded.ticks).toBeGreaterThan(before)
  })
})

describe("stanza hooks", () => {
  it("sees sessions open and messages routed to sessions, then written", async () => {
    const alice = await login("alice", "a")
    const bob = await login("bob", "b")
    expect(recorded.opened).toEqual(
      expect.arrayContaining(["alice@localhost/a", "bob@localhost/b"]),
    )
    await alice.send(message("bob@localhost", "m1", "hello"))
    await bob.waitFor((stanza) => stanza.attrs.id === "m1")
    await ping(alice)
    expect(recorded.decisions).toContainEqual({
      id: "m1",
      from: "alice@localhost/a",
      decision: "sessions(other):bob@localhost/b",
    })
    expect(recorded.written).toContainEqual({ id: "m1", to: "bob@localhost/b", ok: true })
    await alice.send(message("bob@localhost/b", "m2", "exact"))
    await bob.waitFor((stanza) => stanza.attrs.id === "m2")
    expect(recorded.decisions).toContainEqual({
      id: "m2",
      from: "alice@localhost/a",
      decision: "sessions(exact):bob@localhost/b",
    })
  })

  it("can stop a stanza before routing (no delivery, no bounce)", async () => {
    const alice = clients[0] as TestClient
    const bob = clients[1] as TestClient
    await alice.send(message("bob@localhost", "s1", "blocked"))
    await alice.send(message("bob@localhost", "s2", "after"))
    await bob.waitFor((stanza) => stanza.attrs.id === "s2")
    expect(bob.received.filter((stanza) => stanza.attrs.id === "s1")).toEqual([])
    expect(alice.received.filter((stanza) => stanza.attrs.id === "s1")).toEqual([])
  })

  it("can rewrite a stanza before routing", async () => {
    const alice = clients[0] as TestClient
    const bob = clients[1] as TestClient
    await alice.send(message("bob@localhost", "r1", "rewrite me"))
    const got = await bob.waitFor((stanza) => stanza.attrs.id === "r1")
    expect(got.getChildText("body")).toBe("rewritten")
  })

  it("sees a message go nowhere and can take it over (no bounce)", async () => {
    const alice = clients[0] as TestClient
    await alice.send(message("carol@localhost", "o1", "carol is offline"))
    await alice.send(message("ghost@localhost", "o2", "no such user"))
    const bounce = await alice.waitFor(
      (stanza) => stanza.attrs.id === "o2" && stanza.attrs.type === "error",
    )
    expect(bounce.getChild("error")?.getChild("service-unavailable")).toBeDefined()
    expect(recorded.handledOffline).toContain("o1")
    expect(alice.received.filter((stanza) => stanza.attrs.id === "o1")).toEqual([])
    expect(recorded.decisions).toContainEqual({
      id: "o2",
      from: "alice@localhost/a",
      decision: "none:unknown-user",
    })
  })

  it("learns of a failed write, and the session is dropped", async () => {
    const alice = clients[0] as TestClient
    const carol = await login("carol", "c")
    await alice.send(message("carol@localhost/c", "f1", "BREAK-SOCKET now"))
    await carol.offline
    await ping(alice)
    expect(recorded.written).toContainEqual({ id: "f1", to: "carol@localhost/c", ok: false })
    expect(recorded.closed).toContainEqual({ full: "carol@localhost/c", reason: "write-failed" })
  })
})

describe("contributions", () => {
  it("adds features to the server's and accounts' disco#info and answers its node", async () => {
    const alice = clients[0] as TestClient
    const info = await alice.iq(
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
    expect(features).toEqual(
      expect.arrayContaining(["urn:example:recorder", "urn:xmpp:ping", "jabber:iq:version"]),
    )
    const account = await alice.iq(
      xml(
        "iq",
        { type: "get", to: "bob@localhost" },
        xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }),
      ),
    )
    expect(account.getChild("query")?.getChild("identity")?.attrs).toMatchObject({
      category: "account",
      type: "registered",
    })
    expect(
      account
        .getChild("query")
        ?.getChildren("feature")
        .map((feature) => feature.attrs.var),
    ).toContain("urn:example:recorder:account")
    const node = await alice.iq(
      xml(
        "iq",
        { type: "get", to: "localhost" },
        xml("query", {
          xmlns: "http://jabber.org/protocol/disco#info",
          node: "urn:example:recorder",
        }),
      ),
    )
    expect(node.getChild("query")?.attrs.node).toBe("urn:example:recorder")
    expect(
      node
        .getChild("query")
        ?.getChildren("feature")
        .map((feature) => feature.attrs.var),
    ).toEqual(["urn:example:recorder?x=1"])
    await expect(
      alice.iq(
        xml(
          "iq",
          { type: "get", to: "localhost" },
          xml("query", {
            xmlns: "http://jabber.org/protocol/disco#info",
            node: "urn:example:recorder?x=2",
          }),
        ),
      ),
    ).rejects.toThrow(/item-not-found/)
  })

  it("adds stream features, told whether the stream is authenticated", async () => {
    const features: ServerModule = {
      name: "features",
      setup: () => ({
        streamFeatures: (stage) => [
          xml("feature-probe", {
            xmlns: "urn:example:features",
            stage: stage.authenticated ? "post" : "pre",
          }),
        ],
      }),
    }
    const plain = await startTestServer({
      modules: [features],
      config: { listen: { c2s: { tls: "optional", allow_plain_without_tls: true } } },
    })
    await plain.addUser("bob", "bob-pass")
    const raw = await rawLogin(plain.c2sPort, "localhost", "bob", "bob-pass", "raw")
    const [before, after] = raw.text().split("<success")
    expect(before).toContain('<feature-probe xmlns="urn:example:features" stage="pre"/>')
    expect(after).toContain('<feature-probe xmlns="urn:example:features" stage="post"/>')
    expect(after).toContain('<bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/>')
    raw.destroy()
    await plain.stop()
  })

  it("answers IQs of its namespaces, synchronously or later, and sends stanzas as the server", async () => {
    const alice = clients[0] as TestClient
    const echo = await alice.iq(
      xml("iq", { type: "get", to: "localhost" }, xml("echo", { xmlns: "urn:example:echo" })),
    )
    expect(echo.getChildText("echo", "urn:example:echo")).toBe("sync")
    await alice.iq(
      xml("iq", { type: "set", to: "localhost" }, xml("later", { xmlns: "urn:example:later" })),
    )
    const sent = await alice.waitFor((stanza) => stanza.attrs.id === "from-module")
    expect(sent.attrs.from).toBe("localhost")
    expect(recorded.decisions).toContainEqual({
      id: "from-module",
      from: undefined,
      decision: "sessions(exact):alice@localhost/a",
    })
  })
})
