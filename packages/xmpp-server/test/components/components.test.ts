// XEP-0114 external components end to end with @xmpp/component (the library the push app
// server uses): handshake, messages both ways between a client and the component, an IQ a
// module sends to the component with `api.request`, an IQ from the component to a client,
// a wrong secret, an unconfigured domain, and a configured but absent component.
// @ts-expect-error: @xmpp/component ships no type declarations.
import { component as makeComponent } from "@xmpp/component"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ModuleApi, type ServerModule, type XmlElement, xml } from "../../src/index.js"
import { openRaw } from "../helpers/rawSocket.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import { connectClient, type TestClient } from "../helpers/xmppClient.js"

interface RawComponent {
  on(event: string, listener: (value: never) => void): void
  start(): Promise<unknown>
  stop(): Promise<unknown>
  send(stanza: XmlElement): Promise<void>
  iqCallee: { get(ns: string, name: string, handler: (context: never) => unknown): void }
  reconnect: { stop(): void }
}

let api: ModuleApi | undefined
const grabApi: ServerModule = {
  name: "grab_api",
  setup: (moduleApi) => {
    api = moduleApi
    return {}
  },
}

let test: TestServer
let alice: TestClient
let push: RawComponent
const componentStanzas: Array<XmlElement> = []

const connectComponent = async (domain: string, password: string): Promise<RawComponent> => {
  const raw: RawComponent = makeComponent({
    service: `xmpp://127.0.0.1:${test.server.ports.component}`,
    domain,
    password,
  })
  raw.reconnect.stop()
  raw.on("error", () => undefined)
  await raw.start()
  return raw
}

beforeAll(async () => {
  test = await startTestServer({
    config: {
      listen: { component: { host: "127.0.0.1", port: 0 } },
      components: [
        { domain: "push.localhost", secret: "s3cret" },
        { domain: "absent.localhost", secret: "other" },
      ],
    },
    modules: [grabApi],
  })
  await test.addUser("alice", "alice-pass")
  alice = await connectClient({
    service: test.websocketUrl,
    domain: "localhost",
    username: "alice",
    password: "alice-pass",
    resource: "web",
  })
  push = await connectComponent("push.localhost", "s3cret")
  push.on("stanza", (stanza: never) => componentStanzas.push(stanza))
  push.iqCallee.get("urn:example:app", "status", () =>
    xml("status", { xmlns: "urn:example:app" }, "ready"),
  )
})
afterAll(async () => {
  await push.stop().catch(() => undefined)
  await alice.stop()
  await test.stop()
})

const waitForComponent = async (test: (stanza: XmlElement) => boolean): Promise<XmlElement> => {
  await expect.poll(() => componentStanzas.some(test)).toBe(true)
  return componentStanzas.find(test) as XmlElement
}

describe("XEP-0114 components", () => {
  it("listens on the component port when components are configured", () => {
    expect(test.server.ports.component).toBeGreaterThan(0)
  })

  it("carries a client's message to the component and the component's answer back", async () => {
    await alice.send(xml("message", { to: "push.localhost", id: "c1" }, xml("body", {}, "hi app")))
    const got = await waitForComponent((stanza) => stanza.attrs.id === "c1")
    expect(got.attrs.from).toBe("alice@localhost/web")
    expect(got.getChildText("body")).toBe("hi app")
    await push.send(
      xml(
        "message",
        { from: "push.localhost", to: "alice@localhost/web", id: "c2" },
        xml("body", {}, "hello from the app"),
      ),
    )
    const back = await alice.waitFor((stanza) => stanza.attrs.id === "c2")
    expect(back.attrs.from).toBe("push.localhost")
    expect(back.getChildText("body")).toBe("hello from the app")
  })

  it("answers a module's IQ to the component (api.request)", async () => {
    const reply = await (api as ModuleApi).request(
      xml(
        "iq",
        { type: "get", from: "localhost", to: "push.localhost", id: "q1" },
        xml("status", { xmlns: "urn:example:app" }),
      ),
    )
    expect(reply.attrs.type).toBe("result")
    expect(reply.getChild("status", "urn:example:app")?.text()).toBe("ready")
  })

  it("routes a client's IQ to the component and its result back to the client", async () => {
    const reply = await alice.iq(
      xml("iq", { type: "get", to: "push.localhost" }, xml("status", { xmlns: "urn:example:app" })),
    )
    expect(reply.getChild("status", "urn:example:app")?.text()).toBe("ready")
  })

  it("bounces service-unavailable for a configured component that is not connected", async () => {
    await alice.send(xml("message", { to: "absent.localhost", id: "c3" }, xml("body", {}, "x")))
    const bounce = await alice.waitFor(
      (stanza) => stanza.attrs.id === "c3" && stanza.attrs.type === "error",
    )
    expect(bounce.getChild("error")?.getChild("service-unavailable")).toBeDefined()
    await expect(
      (api as ModuleApi).request(
        xml("iq", { type: "get", from: "localhost", to: "absent.localhost" }, xml("ping")),
      ),
    ).rejects.toThrow(/not connected/)
  })

  it("refuses a wrong secret and an unknown domain", async () => {
    const wrong = await openRaw(test.server.ports.component ?? 0)
    wrong.send(
      "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='absent.localhost'>",
    )
    await wrong.waitFor(/id='[^']+'/)
    wrong.send("<handshake>0000000000000000000000000000000000000000</handshake>")
    await wrong.waitFor("<not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>")
    await wrong.closed
    const unknown = await openRaw(test.server.ports.component ?? 0)
    unknown.send(
      "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='nobody.localhost'>",
    )
    await unknown.waitFor("<host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>")
    await unknown.closed
  })

  it("ends the stream of a component that forges another domain", async () => {
    const forger = await connectComponent("absent.localhost", "other")
    const ended = new Promise<void>((resolve) => forger.on("disconnect", () => resolve()))
    await forger.send(
      xml("message", { from: "alice@localhost", to: "alice@localhost/web" }, xml("body", {}, "x")),
    )
    await ended
    expect(alice.received.some((stanza) => stanza.getChildText("body") === "x")).toBe(false)
    await forger.stop().catch(() => undefined)
  })
})
