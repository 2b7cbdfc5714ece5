// The per-session stanza rate ([limits] stanzas_per_second, stanza_burst, max_waiting_stanzas):
// a session sending faster than its rate is slowed down, not cut off — every message arrives,
// in order, no sooner than the rate allows — while other sessions are served meanwhile; only
// a client whose waiting stanzas pass the cap gets `policy-violation`.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  type LimitsServer,
  type RawClient,
  startLimitsServer,
  streamError,
  tcpLogin,
  webSocketLogin,
} from "./limitsServer.js"

const rate = 20
const burst = 5

let test: LimitsServer
beforeAll(async () => {
  test = await startLimitsServer({
    limits: { stanzas_per_second: rate, stanza_burst: burst, max_waiting_stanzas: 100 },
  })
  for (const user of ["alice", "bob", "carol", "dave", "mallory"]) await test.addUser(user)
})
afterAll(async () => {
  await test.stop()
})

const messages = (to: string, prefix: string, count: number): string =>
  Array.from(
    { length: count },
    (_, index) =>
      `<message to='${to}' id='${prefix}${index + 1}' type='chat'><body>${prefix} ${index + 1}</body></message>`,
  ).join("")

/** The ids of the messages with `prefix` that `client` received, in arrival order. */
const receivedIds = (client: RawClient, prefix: string): Array<string> =>
  [...client.text().matchAll(new RegExp(`id=["'](${prefix}\\d+)["']`, "g"))].map(
    (match) => match[1] ?? "",
  )

const inOrder = (prefix: string, count: number): Array<string> =>
  Array.from({ length: count }, (_, index) => `${prefix}${index + 1}`)

describe("stanzas per session", () => {
  it("slows a burst down to the rate and delivers every message in order", async () => {
    const alice = await tcpLogin(test.c2sPort, "alice", "flood")
    const bob = await tcpLogin(test.c2sPort, "bob", "inbox")
    const carol = await tcpLogin(test.c2sPort, "carol", "bystander")
    const count = 60
    const started = Date.now()
    alice.send(messages("bob@localhost/inbox", "burst", count))

    // Another session is answered while alice's messages are still waiting.
    carol.send("<iq type='get' id='carol-ping'><ping xmlns='urn:xmpp:ping'/></iq>")
    await carol.waitFor("carol-ping")
    expect(receivedIds(bob, "burst").length).toBeLessThan(count)

    await bob.waitFor((text) => text.includes(">burst 60<"), 15_000)
    const elapsed = Date.now() - started
    expect(receivedIds(bob, "burst")).toEqual(inOrder("burst", count))
    // At most `burst` at once, then `rate` per second: 60 take at least (60 - 5) / 20 s.
    expect(elapsed).toBeGreaterThanOrEqual(((count - burst) / rate) * 1000 - 100)
    expect(alice.text()).not.toContain("<stream:error")
    for (const client of [alice, bob, carol]) client.destroy()
  })

  it("slows a WebSocket session down the same way, frame by frame", async () => {
    const dave = await webSocketLogin(test.websocketUrl, "dave", "web")
    const bob = await tcpLogin(test.c2sPort, "bob", "inbox2")
    const count = 30
    for (let index = 1; index <= count; index++)
      dave.send(
        `<message xmlns='jabber:client' to='bob@localhost/inbox2' id='ws${index}' type='chat'><body>ws ${index}</body></message>`,
      )
    await bob.waitFor((text) => text.includes(">ws 30<"), 15_000)
    expect(receivedIds(bob, "ws")).toEqual(inOrder("ws", count))
    expect(dave.text()).not.toContain("<stream:error")
    dave.destroy()
    bob.destroy()
  })

  it("counts a session's stanzas with XEP-0198 only once they were handled", async () => {
    const alice = await tcpLogin(test.c2sPort, "alice", "sm")
    const bob = await tcpLogin(test.c2sPort, "bob", "inbox3")
    alice.send("<enable xmlns='urn:xmpp:sm:3'/>")
    await alice.waitFor("<enabled")
    alice.send(`${messages("bob@localhost/inbox3", "acked", 30)}<r xmlns='urn:xmpp:sm:3'/>`)
    await alice.waitFor("h='30'")
    expect(receivedIds(bob, "acked")).toEqual(inOrder("acked", 30))
    alice.destroy()
    bob.destroy()
  })

  it("ends with policy-violation a client whose waiting stanzas pass max_waiting_stanzas", async () => {
    const mallory = await tcpLogin(test.c2sPort, "mallory", "flood")
    const bob = await tcpLogin(test.c2sPort, "bob", "inbox4")
    mallory.send(messages("bob@localhost/inbox4", "flood", 500))
    await mallory.waitFor(streamError("policy-violation"))
    await mallory.closed
    expect(mallory.text()).toContain("too many stanzas waiting")
    expect(receivedIds(bob, "flood").length).toBeLessThan(500)
    bob.send("<iq type='get' id='bob-ping'><ping xmlns='urn:xmpp:ping'/></iq>")
    await bob.waitFor("bob-ping")
    bob.destroy()
  })
})
