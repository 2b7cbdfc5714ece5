// spec/cluster.md guarantee 1, components: an XEP-0114 component connected to n1 is reachable
// from a client on n2 (a message, and an IQ whose answer returns to n2), a stanza from the
// component reaches a client on n2, and once the component left, a client on n2 gets the usual
// `service-unavailable` error (RFC 6120 §8.3.3.19, as on one node), also for a stanza n2 sent on
// to n1 just before it learnt that the component left.
// @ts-expect-error: @xmpp/component ships no type declarations.
import { component as makeComponent } from "@xmpp/component"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { encode } from "../../src/cluster/Wire.js"
import { type XmlElement, xml } from "../../src/index.js"
import { serialize } from "../../src/xml/Xml.js"
import { type LocalCluster, startLocalCluster } from "../helpers/localCluster.js"
import { conditionOf, roundTrip } from "../offline/clients.js"

interface RawComponent {
  on(event: string, listener: (value: never) => void): void
  start(): Promise<unknown>
  stop(): Promise<unknown>
  send(stanza: XmlElement): Promise<void>
  iqCallee: { get(ns: string, name: string, handler: (context: never) => unknown): void }
  reconnect: { stop(): void }
}

const APP = "app.localhost"
const NS_APP = "urn:example:app"

let cluster: LocalCluster
let component: RawComponent | undefined
const componentStanzas: Array<XmlElement> = []

beforeAll(async () => {
  cluster = await startLocalCluster({
    nodes: 2,
    config: {
      listen: { component: { host: "127.0.0.1", port: 0 } },
      components: [{ domain: APP, secret: "app-secret" }],
    },
  })
  await cluster.node(0).addUser("bob", "bob-pass")
  const raw: RawComponent = makeComponent({
    service: `xmpp://127.0.0.1:${cluster.node(0).server.ports.component}`,
    domain: APP,
    password: "app-secret",
  })
  raw.reconnect.stop()
  raw.on("error", () => undefined)
  raw.on("stanza", (stanza: never) => componentStanzas.push(stanza))
  raw.iqCallee.get(NS_APP, "status", () => xml("status", { xmlns: NS_APP }, "ready"))
  await raw.start()
  component = raw
}, 60_000)

afterAll(async () => {
  await component?.stop().catch(() => undefined)
  await cluster?.stop()
}, 60_000)

describe("a component connected to n1, a client on n2", () => {
  it("carries messages both ways and an IQ round trip", async () => {
    const bob = await cluster.client(1, "bob", "phone", 0)
    await bob.send(xml("message", { to: APP, id: "to-app" }, xml("body", {}, "hello app")))
    await expect
      .poll(() => componentStanzas.find((stanza) => stanza.attrs.id === "to-app"), {
        timeout: 10_000,
      })
      .toBeDefined()
    const got = componentStanzas.find((stanza) => stanza.attrs.id === "to-app")
    expect(got?.attrs.from).toBe("bob@localhost/phone")
    expect(got?.getChildText("body")).toBe("hello app")

    const answer = await bob.iq(
      xml("iq", { type: "get", to: APP, id: "status-1" }, xml("status", { xmlns: NS_APP })),
    )
    expect(answer.getChildText("status", NS_APP) ?? answer.text()).toBe("ready")

    await component?.send(
      xml(
        "message",
        { from: `bot@${APP}`, to: "bob@localhost/phone", id: "from-app" },
        xml("body", {}, "hello bob"),
      ),
    )
    const back = await bob.waitFor((stanza) => stanza.attrs.id === "from-app", 10_000)
    expect(back.attrs.from).toBe(`bot@${APP}`)
    expect(back.getChildText("body")).toBe("hello bob")
  }, 30_000)

  it("answers service-unavailable on n2 once the component left n1", async () => {
    const bob = await cluster.client(1, "bob", "laptop", 0)
    await component?.stop()
    component = undefined
    // Its departure travels to n2 as a directory event; a ping to n2 afterwards is not enough
    // to order the two, so poll: each attempt is a fresh IQ.
    let condition: string | undefined
    for (let attempt = 0; attempt < 40 && condition === undefined; attempt++) {
      const id = `gone-${attempt}`
      await bob.send(xml("iq", { type: "get", to: APP, id }, xml("status", { xmlns: NS_APP })))
      const reply = await bob.waitFor((stanza) => stanza.attrs.id === id, 10_000)
      condition = reply.attrs.type === "error" ? conditionOf(reply) : undefined
      if (condition === undefined) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(condition).toBe("service-unavailable")
    await bob.send(xml("message", { to: APP, id: "late", type: "chat" }, xml("body", {}, "?")))
    const bounced = await bob.waitFor((stanza) => stanza.attrs.id === "late", 10_000)
    expect(bounced.attrs.type).toBe("error")
    expect(conditionOf(bounced)).toBe("service-unavailable")
    await roundTrip(bob)
  }, 60_000)

  it("answers service-unavailable for a stanza sent on to n1 after the component left it", async () => {
    const bob = await cluster.client(1, "bob", "tablet", 0)
    // What n2 does while it still believes the component is on n1 (a stale directory).
    const link = cluster.node(1).server.cluster
    if (link === undefined) throw new Error("n2 has no cluster link")
    const request = xml(
      "iq",
      { type: "get", from: "bob@localhost/tablet", to: APP, id: "stale-1" },
      xml("status", { xmlns: NS_APP }),
    )
    link.publish(`${link.prefix}n.n1.comp`, encode({ domain: APP }, serialize(request)))
    const reply = await bob.waitFor((stanza) => stanza.attrs.id === "stale-1", 10_000)
    expect(reply.attrs.type).toBe("error")
    expect(conditionOf(reply)).toBe("service-unavailable")
  }, 30_000)
})
