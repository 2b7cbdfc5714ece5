// XEP-0079 over the wire beyond the matrix: the XEP's example scenarios (reliable data
// transport §4.1, time-sensitive §4.2, transient §4.3), validation errors listing every bad
// rule (spec/amp.md §3), the presence check with and without a subscription (§7), structural
// rejections, expiry while stored, disco (XEP-0079 §8.1–8.2) and the stream feature (§8.4).
import { connect as tlsConnect } from "node:tls"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { xml } from "../../src/index.js"
import { clientHeader, openRaw, rawLogin } from "../helpers/rawSocket.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { login, pause, roundTrip } from "../offline/clients.js"
import {
  ampMessage,
  ampOf,
  befriend,
  errorOf,
  NS_AMP,
  NS_AMP_FEATURE,
  rule,
  withId,
} from "./ampClients.js"

const NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString()

let server: TestServer
let alice: TestClient
let bob: TestClient

beforeAll(async () => {
  server = await startTestServer({
    config: {
      listen: { c2s: { tls: "optional", allow_plain_without_tls: true } },
      modules: { amp: { expiry_check_ms: 50 } },
    },
  })
  for (const user of ["alice", "bob", "dave", "eve", "frank"])
    await server.addUser(user, `${user}-pass`)
  await befriend(server, "alice", "bob")
  await befriend(server, "alice", "dave")
  alice = await login(server, "alice", "desk", 0)
  bob = await login(server, "bob", "phone", 0)
}, 30_000)

afterAll(async () => {
  await alice?.stop()
  await bob?.stop()
  await server?.stop()
})

/** Container element of an error reply (the child that is not the stanza-error condition). */
const containerOf = (stanza: ReturnType<typeof withId>[number]) =>
  stanza
    .getChild("error")
    ?.getChildElements()
    .find((child) => child.attrs.xmlns !== "urn:ietf:params:xml:ns:xmpp-stanzas")

describe("the XEP's scenarios", () => {
  it("reliable data transport: delivered directly, the sender is told once", async () => {
    const rules = [rule("deliver", "direct", "notify"), rule("deliver", "stored", "error")]
    await alice.send(ampMessage("bob@localhost/phone", "rdt1", rules))
    const reply = await alice.waitFor((s) => s.attrs.id === "rdt1")
    expect(ampOf(reply)).toEqual({
      status: "notify",
      from: alice.jid,
      to: "bob@localhost/phone",
      rules: [rules[0]],
    })
    const copy = await bob.waitFor((s) => s.attrs.id === "rdt1")
    expect(copy.getChild("amp", NS_AMP)).toBeUndefined()
  })

  it("reliable data transport: a recipient who is offline means an error, nothing stored", async () => {
    const rules = [rule("deliver", "direct", "notify"), rule("deliver", "stored", "error")]
    await alice.send(ampMessage("dave@localhost", "rdt2", rules))
    const reply = await alice.waitFor((s) => s.attrs.id === "rdt2")
    expect(reply.attrs.type).toBe("error")
    expect(errorOf(reply)).toEqual({
      type: "modify",
      code: "500",
      condition: "undefined-condition",
      container: "failed-rules",
      rules: [rules[1]],
    })
    expect(ampOf(reply).status).toBe("error")
    const dave = await login(server, "dave", "later", 0)
    await roundTrip(dave)
    await pause(150)
    expect(withId(dave, "rdt2")).toEqual([])
    await dave.stop()
  })

  it("time-sensitive: expire-at passes while stored, the copy is removed and the sender alerted", async () => {
    const rules = [rule("expire-at", inSeconds(0.6), "alert")]
    await alice.send(ampMessage("dave@localhost", "ts1", rules))
    const reply = await alice.waitFor((s) => s.attrs.id === "ts1", 4000)
    expect(ampOf(reply)).toMatchObject({ status: "alert", rules })
    const dave = await login(server, "dave", "after", 0)
    await roundTrip(dave)
    await pause(150)
    expect(withId(dave, "ts1")).toEqual([])
    await dave.stop()
  })

  it("time-sensitive: delivered before expiry, no reply", async () => {
    await alice.send(
      ampMessage("bob@localhost/phone", "ts2", [rule("expire-at", inSeconds(60), "drop")]),
    )
    await bob.waitFor((s) => s.attrs.id === "ts2")
    await pause(150)
    expect(withId(alice, "ts2")).toEqual([])
  })

  it("transient: only to the resource it names, otherwise dropped silently", async () => {
    const rules = [
      rule("match-resource", "exact", "notify"),
      rule("match-resource", "other", "drop"),
    ]
    await alice.send(ampMessage("bob@localhost/laptop", "tr1", rules))
    await alice.send(ampMessage("bob@localhost/phone", "tr2", rules))
    const reply = await alice.waitFor((s) => s.attrs.id === "tr2")
    expect(ampOf(reply).rules).toEqual([rules[0]])
    await roundTrip(alice)
    await pause(150)
    expect(withId(alice, "tr1")).toEqual([])
    expect(withId(bob, "tr1")).toEqual([])
    expect(withId(bob, "tr2")).toHaveLength(1)
  })
})

describe("validation and the presence check", () => {
  it("lists every rule that is not acceptable, then stops", async () => {
    const rules = [
      rule("deliver", "teleport", "notify"),
      rule("deliver", "direct", "notify"),
      rule("expire-at", "2026-02-30T00:00:00Z", "drop"),
      rule("match-resource", "", "alert"),
    ]
    await alice.send(ampMessage("bob@localhost/phone", "v1", rules))
    const reply = await alice.waitFor((s) => s.attrs.id === "v1")
    const error = errorOf(reply)
    expect([error.type, error.code, error.condition]).toEqual(["modify", "406", "not-acceptable"])
    const container = containerOf(reply)
    expect(container?.name).toBe("invalid-rules")
    expect(container?.attrs.xmlns).toBe(NS_AMP)
    expect(container?.getChildren("rule").map((r) => r.attrs.value)).toEqual([
      "teleport",
      "2026-02-30T00:00:00Z",
      "",
    ])
    expect(ampOf(reply).status).toBe("error")
    expect(withId(bob, "v1")).toEqual([])
  })

  it("lists every unsupported action, then every unsupported condition", async () => {
    await alice.send(
      ampMessage("bob@localhost/phone", "v2", [
        rule("deliver", "direct", "explode"),
        rule("deliver", "direct", "notify"),
        rule("weather", "sunny", "implode"),
      ]),
    )
    const actions = await alice.waitFor((s) => s.attrs.id === "v2")
    expect([errorOf(actions).code, errorOf(actions).condition]).toEqual(["400", "bad-request"])
    expect(containerOf(actions)?.name).toBe("unsupported-actions")
    expect(
      containerOf(actions)
        ?.getChildren("rule")
        .map((r) => r.attrs.action),
    ).toEqual(["explode", "implode"])
    await alice.send(
      ampMessage("bob@localhost/phone", "v3", [
        rule("weather", "sunny", "notify"),
        rule("mood", "happy", "alert"),
      ]),
    )
    const conditions = await alice.waitFor((s) => s.attrs.id === "v3")
    expect(containerOf(conditions)?.name).toBe("unsupported-conditions")
    expect(containerOf(conditions)?.getChildren("rule")).toHaveLength(2)
  })

  it("bounces a client <amp status> (forged receipt) and an <amp/> without rules", async () => {
    await alice.send(
      xml(
        "message",
        { to: "bob@localhost/phone", id: "s1" },
        xml(
          "amp",
          { xmlns: NS_AMP, status: "notify" },
          xml("rule", { condition: "deliver", value: "direct", action: "notify" }),
        ),
      ),
    )
    await alice.send(
      xml("message", { to: "bob@localhost/phone", id: "s2" }, xml("amp", { xmlns: NS_AMP })),
    )
    for (const id of ["s1", "s2"]) {
      const reply = await alice.waitFor((s) => s.attrs.id === id)
      expect(errorOf(reply).condition).toBe("bad-request")
      expect(reply.getChild("amp", NS_AMP)).toBeUndefined()
    }
    await pause(100)
    expect([...withId(bob, "s1"), ...withId(bob, "s2")]).toEqual([])
  })

  it("refuses presence-revealing rules without a subscription, allows them once subscribed", async () => {
    const rules = [rule("deliver", "direct", "notify"), rule("deliver", "forward", "alert")]
    const frank = await login(server, "frank", "home", 0)
    await alice.send(ampMessage("frank@localhost/home", "p1", rules))
    const refused = await alice.waitFor((s) => s.attrs.id === "p1")
    expect(errorOf(refused).condition).toBe("not-acceptable")
    expect(
      containerOf(refused)
        ?.getChildren("rule")
        .map((r) => r.attrs.value),
    ).toEqual(["direct"])
    await befriend(server, "alice", "frank")
    await alice.send(ampMessage("frank@localhost/home", "p2", rules))
    expect(ampOf(await alice.waitFor((s) => s.attrs.id === "p2")).status).toBe("notify")
    expect(withId(frank, "p1")).toEqual([])
    expect(withId(frank, "p2")).toHaveLength(1)
    await frank.stop()
  })

  it("lets a sender use rules towards their own account", async () => {
    const other = await login(server, "alice", "phone", 0)
    await alice.send(
      ampMessage("alice@localhost/phone", "own1", [rule("match-resource", "exact", "notify")]),
    )
    expect(ampOf(await alice.waitFor((s) => s.attrs.id === "own1")).status).toBe("notify")
    await other.stop()
  })
})

describe("the sender's archive", () => {
  it("keeps the sender's copy of a delivered AMP message, without <amp/>, not of a refused one", async () => {
    await alice.send(
      ampMessage(
        "bob@localhost/phone",
        "arch1",
        [rule("deliver", "direct", "notify")],
        "kept for alice",
      ),
    )
    await alice.waitFor((s) => s.attrs.id === "arch1")
    await alice.send(
      ampMessage("eve@localhost", "arch2", [rule("deliver", "direct", "notify")], "refused"),
    )
    await alice.waitFor((s) => s.attrs.id === "arch2")
    await pause(100)
    const queryid = "qa1"
    await alice.iq(
      xml(
        "iq",
        { type: "set" },
        xml(
          "query",
          { xmlns: "urn:xmpp:mam:2", queryid },
          xml(
            "x",
            { xmlns: "jabber:x:data", type: "submit" },
            xml("field", { var: "FORM_TYPE" }, xml("value", {}, "urn:xmpp:mam:2")),
          ),
        ),
      ),
    )
    const archived = alice.received
      .filter((s) => s.getChild("result", "urn:xmpp:mam:2")?.attrs.queryid === queryid)
      .map((s) => s.getChild("result")?.getChild("forwarded")?.getChild("message"))
    const copies = archived.filter((m) => m?.attrs.id === "arch1" && m.attrs.from === alice.jid)
    expect(copies).toHaveLength(1)
    expect(copies[0]?.getChildText("body")).toBe("kept for alice")
    expect(copies[0]?.getChild("amp", NS_AMP)).toBeUndefined()
    expect(archived.filter((m) => m?.attrs.id === "arch2")).toEqual([])
  })
})

describe("discovery and the stream feature", () => {
  const info = (node?: string) =>
    alice.iq(
      xml(
        "iq",
        { type: "get", to: "localhost" },
        xml("query", { xmlns: NS_DISCO_INFO, ...(node === undefined ? {} : { node }) }),
      ),
    )

  it("advertises AMP on the server and lists the enabled actions and conditions on its node", async () => {
    const server = await info()
    const features = (query: typeof server) =>
      query
        .getChild("query", NS_DISCO_INFO)
        ?.getChildren("feature")
        .map((f) => f.attrs.var) ?? []
    expect(features(server)).toContain(NS_AMP)
    const node = await info(NS_AMP)
    expect(new Set(features(node))).toEqual(
      new Set([
        NS_AMP,
        ...["alert", "drop", "error", "notify"].map((a) => `${NS_AMP}?action=${a}`),
        ...["deliver", "expire-at", "match-resource"].map((c) => `${NS_AMP}?condition=${c}`),
      ]),
    )
  })

  it("answers item-not-found for any other node", async () => {
    for (const node of [`${NS_AMP}?action=notify`, "urn:example:nothing"]) {
      const reply = await info(node).catch((error: { condition?: string }) => error)
      expect((reply as { condition?: string }).condition).toBe("item-not-found")
    }
  })

  it("offers the stream feature after authentication and after STARTTLS, not on a plain stream before", async () => {
    const raw = await openRaw(server.c2sPort)
    raw.send(clientHeader("localhost"))
    const before = await raw.waitFor("</stream:features>")
    expect(before).not.toContain(NS_AMP_FEATURE)
    raw.destroy()
    const tls = await openRaw(server.c2sPort)
    tls.send(clientHeader("localhost"))
    await tls.waitFor("</stream:features>")
    tls.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
    await tls.waitFor("<proceed")
    const secured = await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect({ socket: tls.socket, rejectUnauthorized: false }, () =>
        socket.write(clientHeader("localhost")),
      )
      let text = ""
      socket.setEncoding("utf8")
      socket.on("data", (chunk: string) => {
        text += chunk
        if (text.includes("</stream:features>")) {
          socket.destroy()
          resolve(text)
        }
      })
      socket.on("error", reject)
    })
    expect(secured).toContain(`<amp xmlns="${NS_AMP_FEATURE}"/>`)
    const logged = await rawLogin(server.c2sPort, "localhost", "eve", "eve-pass", "raw")
    expect(logged.text()).toContain(`<amp xmlns="${NS_AMP_FEATURE}"/>`)
    logged.destroy()
  })
})
