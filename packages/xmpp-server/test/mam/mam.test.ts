// XEP-0313 MAM end to end with @xmpp/client: both directions archived for local users, the
// XEP-0359 stanza-id on delivered messages matching the archive id, queries by `with`,
// `start`/`end`, XEP-0059 paging (forward, last page, unknown id), preferences, the query
// form, and only the owner may query an archive.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type XmlElement, xml } from "../../src/index.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { chat, conditionOf, login, roundTrip } from "../offline/clients.js"

const NS_MAM = "urn:xmpp:mam:2"
let test: TestServer
const clients: Array<TestClient> = []

beforeAll(async () => {
  test = await startTestServer()
  for (const name of ["alice", "bob", "carol", "dave", "erin"])
    await test.addUser(name, `${name}-pass`)
})
afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop()))
  await test.stop()
})

const online = async (username: string, resource: string) => {
  const client = await login(test, username, resource, 0)
  clients.push(client)
  return client
}

const field = (name: string, value: string) => xml("field", { var: name }, xml("value", {}, value))

interface QueryOptions {
  readonly with?: string
  readonly start?: string
  readonly end?: string
  readonly max?: number
  readonly after?: string
  readonly before?: string
}

let queryCounter = 0
/** Runs a MAM query; resolves with the forwarded messages and the `<fin/>`. */
const query = async (client: TestClient, options: QueryOptions = {}) => {
  queryCounter += 1
  const queryId = `q${queryCounter}`
  const fields = [field("FORM_TYPE", NS_MAM)]
  if (options.with !== undefined) fields.push(field("with", options.with))
  if (options.start !== undefined) fields.push(field("start", options.start))
  if (options.end !== undefined) fields.push(field("end", options.end))
  const rsm = xml(
    "set",
    { xmlns: "http://jabber.org/protocol/rsm" },
    options.max === undefined ? undefined : xml("max", {}, String(options.max)),
    options.after === undefined ? undefined : xml("after", {}, options.after),
    options.before === undefined ? undefined : xml("before", {}, options.before),
  )
  const reply = await client.iq(
    xml(
      "iq",
      { type: "set" },
      xml(
        "query",
        { xmlns: NS_MAM, queryid: queryId },
        xml("x", { xmlns: "jabber:x:data", type: "submit" }, fields),
        rsm,
      ),
    ),
  )
  const results = client.received
    .filter((stanza) => stanza.getChild("result", NS_MAM)?.attrs.queryid === queryId)
    .map((stanza) => stanza.getChild("result", NS_MAM) as XmlElement)
  const fin = reply.getChild("fin", NS_MAM) as XmlElement
  const set = fin.getChild("set", "http://jabber.org/protocol/rsm")
  return {
    ids: results.map((result) => result.attrs.id),
    bodies: results.map(
      (result) => result.getChild("forwarded")?.getChild("message")?.getChildText("body") ?? "",
    ),
    results,
    complete: fin.attrs.complete,
    count: set?.getChildText("count"),
    first: set?.getChild("first"),
    last: set?.getChildText("last"),
  }
}

const stanzaIdOf = (stanza: XmlElement) => stanza.getChild("stanza-id", "urn:xmpp:sid:0")

describe("archiving", () => {
  it("archives both directions and stamps the delivered message with the archive id", async () => {
    const alice = await online("alice", "a")
    const bob = await online("bob", "b")
    await alice.send(
      chat(
        "bob@localhost",
        "m1",
        "hello bob",
        xml("stanza-id", { xmlns: "urn:xmpp:sid:0", by: "bob@localhost", id: "forged" }),
      ),
    )
    const received = await bob.waitFor((stanza) => stanza.getChildText("body") === "hello bob")
    const stanzaIds = received.getChildren("stanza-id", "urn:xmpp:sid:0")
    expect(stanzaIds).toHaveLength(1)
    expect(stanzaIds[0]?.attrs.by).toBe("bob@localhost")
    expect(stanzaIds[0]?.attrs.id).not.toBe("forged")
    const bobArchive = await query(bob)
    expect(bobArchive.bodies).toEqual(["hello bob"])
    expect(bobArchive.ids).toEqual([stanzaIds[0]?.attrs.id])
    const forwarded = bobArchive.results[0]?.getChild("forwarded", "urn:xmpp:forward:0")
    expect(forwarded?.getChild("delay", "urn:xmpp:delay")?.attrs.stamp).toMatch(/Z$/)
    expect(forwarded?.getChild("message")?.attrs.from).toBe("alice@localhost/a")
    const aliceArchive = await query(alice)
    expect(aliceArchive.bodies).toEqual(["hello bob"])
    expect(aliceArchive.results[0]?.getChild("forwarded")?.getChild("message")?.attrs.to).toBe(
      "bob@localhost",
    )
  })

  it("filters by with and by start/end", async () => {
    const carol = await online("carol", "c")
    const alice = await online("alice", "a2")
    const bob = await online("bob", "b2")
    await alice.send(chat("carol@localhost", "w1", "from alice"))
    await bob.send(chat("carol@localhost", "w2", "from bob"))
    await carol.waitFor((stanza) => stanza.getChildText("body") === "from bob")
    await carol.waitFor((stanza) => stanza.getChildText("body") === "from alice")
    expect((await query(carol, { with: "bob@localhost" })).bodies).toEqual(["from bob"])
    expect((await query(carol, { with: "alice@localhost/a2" })).bodies).toEqual(["from alice"])
    expect((await query(carol, { with: "alice@localhost/nope" })).bodies).toEqual([])
    const future = new Date(Date.now() + 3_600_000).toISOString()
    const past = new Date(Date.now() - 3_600_000).toISOString()
    expect((await query(carol, { start: future })).bodies).toEqual([])
    expect((await query(carol, { end: past })).bodies).toEqual([])
    expect((await query(carol, { start: past, end: future })).bodies).toHaveLength(2)
  })

  it("pages with RSM: forward, the last page, and item-not-found for an unknown id", async () => {
    const dave = await online("dave", "d")
    const alice = await online("alice", "a3")
    for (const n of [1, 2, 3, 4, 5]) await alice.send(chat("dave@localhost", `p${n}`, `p${n}`))
    await dave.waitFor((stanza) => stanza.getChildText("body") === "p5")
    const page1 = await query(dave, { max: 2 })
    expect(page1.bodies).toEqual(["p1", "p2"])
    expect(page1.complete).toBe("false")
    expect(page1.count).toBe("5")
    expect(page1.first?.attrs.index).toBe("0")
    const page2 = await query(dave, { max: 2, after: page1.last ?? "" })
    expect(page2.bodies).toEqual(["p3", "p4"])
    expect(page2.first?.attrs.index).toBe("2")
    const page3 = await query(dave, { max: 2, after: page2.last ?? "" })
    expect(page3.bodies).toEqual(["p5"])
    expect(page3.complete).toBe("true")
    const lastPage = await query(dave, { max: 2, before: "" })
    expect(lastPage.bodies).toEqual(["p4", "p5"])
    const previous = await query(dave, { max: 2, before: lastPage.first?.text() ?? "" })
    expect(previous.bodies).toEqual(["p2", "p3"])
    await expect(query(dave, { after: "no-such-id" })).rejects.toThrow()
    const error = dave.received.find(
      (stanza) => stanza.is("iq") && stanza.attrs.type === "error",
    ) as XmlElement
    expect(conditionOf(error)).toBe("item-not-found")
  })

  it("follows the archiving preferences", async () => {
    const erin = await online("erin", "e")
    const alice = await online("alice", "a4")
    const prefs = await erin.iq(
      xml(
        "iq",
        { type: "set" },
        xml(
          "prefs",
          { xmlns: NS_MAM, default: "never" },
          xml("always", {}, xml("jid", {}, "bob@localhost")),
          xml("never"),
        ),
      ),
    )
    expect(prefs.getChild("prefs", NS_MAM)?.attrs.default).toBe("never")
    const bob = await online("bob", "b4")
    await alice.send(chat("erin@localhost", "n1", "not kept"))
    await bob.send(chat("erin@localhost", "n2", "kept"))
    const notKept = await erin.waitFor((stanza) => stanza.getChildText("body") === "not kept")
    const kept = await erin.waitFor((stanza) => stanza.getChildText("body") === "kept")
    expect(stanzaIdOf(notKept)).toBeUndefined()
    expect(stanzaIdOf(kept)?.attrs.id).toBeDefined()
    expect((await query(erin)).bodies).toEqual(["kept"])
    const read = await erin.iq(xml("iq", { type: "get" }, xml("prefs", { xmlns: NS_MAM })))
    const always = read.getChild("prefs", NS_MAM)?.getChild("always")?.getChildren("jid")
    expect(always?.map((jid) => jid.text())).toEqual(["bob@localhost"])
  })

  it("archives a message to one's own account once", async () => {
    const laptop = await online("carol", "laptop")
    const before = (await query(laptop)).bodies.length
    await laptop.send(chat("carol@localhost", "self1", "note to self"))
    await laptop.waitFor((stanza) => stanza.getChildText("body") === "note to self")
    const after = await query(laptop)
    expect(after.bodies.slice(before)).toEqual(["note to self"])
  })

  it("answers the query form, advertises the feature, and refuses another user's archive", async () => {
    const alice = await online("alice", "a5")
    const form = await alice.iq(xml("iq", { type: "get" }, xml("query", { xmlns: NS_MAM })))
    const vars = form
      .getChild("query", NS_MAM)
      ?.getChild("x", "jabber:x:data")
      ?.getChildren("field")
      .map((each) => each.attrs.var)
    expect(vars).toEqual(["FORM_TYPE", "with", "start", "end"])
    const info = await alice.iq(
      xml(
        "iq",
        { type: "get", to: "alice@localhost" },
        xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }),
      ),
    )
    const features = info
      .getChild("query")
      ?.getChildren("feature")
      .map((feature) => feature.attrs.var)
    expect(features).toEqual(expect.arrayContaining([NS_MAM, "urn:xmpp:sid:0"]))
    await expect(
      alice.iq(
        xml("iq", { type: "set", to: "bob@localhost", id: "spy" }, xml("query", { xmlns: NS_MAM })),
      ),
    ).rejects.toThrow()
    const refusal = alice.received.find((stanza) => stanza.attrs.id === "spy") as XmlElement
    expect(conditionOf(refusal)).toBe("forbidden")
    await roundTrip(alice)
  })
})
