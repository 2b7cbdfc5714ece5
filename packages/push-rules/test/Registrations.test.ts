// XEP-0357 §5 and §6 through the reducer: enabling stores and binds a registration, the same
// service and node replaces it, `maxDevices` evicts the least recently used one, disabling
// removes and unbinds; each request gets its IQ reply.
import { describe, expect, it } from "vitest"
import { type PushEvent, registrationsOf } from "../src/index.js"
import { chat } from "./support/stanzas.js"
import { disableIq, enableIq, timeline } from "./support/timeline.js"
import { parseXml } from "./support/xml.js"

const juliet = "juliet@example.org"
const service = "push.example.net"
const romeo = "romeo@example.com/orchard"

const open = (session: string): PushEvent => ({
  type: "session-opened",
  session,
  jid: `${juliet}/${session}`,
})
const enable = (session: string, node: string, iq = enableIq(service, node)): PushEvent => ({
  type: "enable-requested",
  session,
  user: `${juliet}/${session}`,
  iq,
})
const disable = (session: string, iq: ReturnType<typeof disableIq>): PushEvent => ({
  type: "disable-requested",
  session,
  user: `${juliet}/${session}`,
  iq,
})
const offline = (id: string): PushEvent => ({
  type: "message-stored-offline",
  user: juliet,
  id,
  stanza: chat(romeo, juliet, "hello"),
})

describe("enable", () => {
  it("stores the registration, binds it to the session and answers with a result", () => {
    const run = timeline()
    run.at(0, open("phone"))
    const decisions = run.at(42, enable("phone", "n1"))
    expect(decisions.map((decision) => decision.type)).toEqual([
      "registration-bound",
      "registration-saved",
      "reply",
    ])
    const registration = { user: juliet, service, node: "n1", lastUsed: 42, errorCount: 0 }
    expect(decisions[0]).toEqual({ type: "registration-bound", registration, bound: true })
    expect(decisions[1]).toEqual({ type: "registration-saved", registration })
    const reply = decisions[2]
    expect(reply?.type === "reply" ? reply.iq.toString() : "").toBe(
      `<iq type="result" to="${juliet}/phone" id="enable-1"/>`,
    )
    expect(registrationsOf(run.state, juliet)).toEqual([
      { user: juliet, service, node: "n1", lastUsed: 42, errorCount: 0, session: "phone" },
    ])
  })

  it("refuses a bad enable with an error reply and stores nothing", () => {
    const run = timeline()
    run.at(0, open("phone"))
    const bad = parseXml(
      `<iq type='set' id='x'><enable xmlns='urn:xmpp:push:0' jid='${service}'/></iq>`,
    )
    const decisions = run.at(1, enable("phone", "n1", bad))
    expect(decisions).toHaveLength(1)
    expect(decisions[0]?.type === "reply" ? decisions[0].iq.attrs.type : "").toBe("error")
    expect(registrationsOf(run.state, juliet)).toEqual([])
  })

  it("the same service and node again replaces the form, keeping one registration", () => {
    const run = timeline()
    run.at(0, open("phone"))
    run.at(1, enable("phone", "n1"))
    const withForm = parseXml(
      `<iq type='set' id='e2'><enable xmlns='urn:xmpp:push:0' jid='${service}' node='n1'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field><field var='secret'><value>abc</value></field></x></enable></iq>`,
    )
    run.at(2, enable("phone", "n1", withForm))
    expect(registrationsOf(run.state, juliet)).toHaveLength(1)
    run.at(3, { type: "session-gone", session: "phone" })
    run.at(4, offline("m1"))
    const [push] = run.pushes()
    expect(push?.iq.getChild("pubsub")?.getChild("publish-options")?.toString()).toBe(
      `<publish-options><x xmlns="jabber:x:data" type="submit"><field var="FORM_TYPE"><value>http://jabber.org/protocol/pubsub#publish-options</value></field><field var="secret"><value>abc</value></field></x></publish-options>`,
    )
  })

  it("treats the app server JID case-insensitively", () => {
    const run = timeline()
    run.at(0, open("phone"))
    run.at(1, enable("phone", "n1", enableIq("Push.Example.NET", "n1")))
    run.at(2, disable("phone", disableIq(service)))
    expect(registrationsOf(run.state, juliet)).toEqual([])
  })

  it("a second enable from the same session unbinds the first registration, which then gets archive pushes", () => {
    const run = timeline()
    run.at(0, open("phone"))
    run.at(1, enable("phone", "old"))
    run.at(2, enable("phone", "new"))
    run.at(3, {
      type: "message-archived",
      user: juliet,
      id: "m1",
      stanza: chat(romeo, juliet, "hi"),
    })
    expect(run.pushes().map((push) => push.node)).toEqual(["old"])
  })

  it.each([
    [5, {}],
    [2, { maxDevices: 2 }],
  ])("keeps at most %i devices, evicting the least recently used", (maxDevices, settings) => {
    const run = timeline(settings)
    for (let index = 0; index < maxDevices; index++) {
      run.at(index, open(`s${index}`))
      run.at(index, enable(`s${index}`, `n${index}`))
    }
    run.at(100, { type: "session-hibernated", session: "s0", queue: [] })
    run.at(200, { type: "session-resumed", session: "s0" })
    run.at(300, open("newest"))
    const decisions = run.at(300, enable("newest", "newest"))
    expect(decisions[0]).toEqual({
      type: "registration-removed",
      registration: { user: juliet, service, node: "n1", lastUsed: 1, errorCount: 0 },
      reason: "evicted",
    })
    expect(registrationsOf(run.state, juliet).map((registration) => registration.node)).toEqual([
      "n0",
      ...Array.from({ length: maxDevices - 2 }, (_, index) => `n${index + 2}`),
      "newest",
    ])
  })
})

describe("enable from a session the rules do not know", () => {
  it("stores the registration unbound, so that archived messages reach it", () => {
    const run = timeline()
    run.at(0, enable("unknown", "n1"))
    expect(registrationsOf(run.state, juliet)).toEqual([
      { user: juliet, service, node: "n1", lastUsed: 0, errorCount: 0 },
    ])
    run.at(1, {
      type: "message-archived",
      user: juliet,
      id: "m1",
      stanza: chat(romeo, juliet, "hi"),
    })
    expect(run.pushes().map((push) => push.node)).toEqual(["n1"])
  })
})

describe("disable", () => {
  const threeRegistrations = () => {
    const run = timeline({}, [
      { user: juliet, service, node: "a", lastUsed: 0, errorCount: 0 },
      { user: juliet, service, node: "b", lastUsed: 0, errorCount: 0 },
      { user: juliet, service: "other.example.net", node: "c", lastUsed: 0, errorCount: 0 },
    ])
    run.at(0, open("phone"))
    return run
  }

  it("with a node removes that registration only", () => {
    const run = threeRegistrations()
    const decisions = run.at(1, disable("phone", disableIq(service, "a")))
    expect(decisions.map((decision) => decision.type)).toEqual(["registration-removed", "reply"])
    expect(registrationsOf(run.state, juliet).map((registration) => registration.node)).toEqual([
      "b",
      "c",
    ])
  })

  it("without a node removes every node of that app server", () => {
    const run = threeRegistrations()
    run.at(1, disable("phone", disableIq(service)))
    expect(registrationsOf(run.state, juliet).map((registration) => registration.node)).toEqual([
      "c",
    ])
  })

  it("removing nothing is still a result", () => {
    const run = threeRegistrations()
    const decisions = run.at(1, disable("phone", disableIq("unknown.example.net")))
    expect(
      decisions.map((decision) =>
        decision.type === "reply" ? decision.iq.attrs.type : decision.type,
      ),
    ).toEqual(["result"])
  })

  it("unbinds the registration from its session: the session hibernates without push", () => {
    const run = timeline()
    run.at(0, open("phone"))
    run.at(1, enable("phone", "n1"))
    run.at(2, disable("phone", disableIq(service, "n1")))
    expect(run.at(3, { type: "session-hibernated", session: "phone", queue: [] })).toEqual([])
  })
})

describe("durable registrations", () => {
  it("restored registrations push as soon as the rules start", () => {
    const run = timeline({}, [
      { user: juliet, service, node: "stored", lastUsed: 7, errorCount: 3 },
    ])
    run.at(0, offline("m1"))
    expect(run.pushes().map((push) => push.node)).toEqual(["stored"])
    expect(registrationsOf(run.state, `${juliet}/any`)).toEqual([
      { user: juliet, service, node: "stored", lastUsed: 7, errorCount: 3 },
    ])
  })
})
