// `[modules.amp] direct_confirm = "ack"` (spec/amp.md §4): `deliver=direct notify` waits for the
// recipient's XEP-0198 ack instead of the socket write; a recipient without stream management
// still confirms by the write. Raw sockets so the test decides when the ack is sent.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { rawLogin } from "../helpers/rawSocket.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { login, pause } from "../offline/clients.js"
import { NS_SM, smLogin } from "../sm/smRaw.js"
import { ampMessage, ampOf, befriend, rule, withId } from "./ampClients.js"

let server: TestServer
let alice: TestClient

beforeAll(async () => {
  server = await startTestServer({
    config: {
      listen: { c2s: { tls: "optional", allow_plain_without_tls: true } },
      modules: { amp: { direct_confirm: "ack" }, stream_management: { resume_timeout: 30 } },
    },
  })
  for (const user of ["alice", "bob", "carl"]) await server.addUser(user, `${user}-pass`)
  await befriend(server, "alice", "bob")
  await befriend(server, "alice", "carl")
  alice = await login(server, "alice", "desk", 0)
}, 30_000)

afterAll(async () => {
  await alice?.stop()
  await server?.stop()
})

describe('direct_confirm = "ack"', () => {
  it("notifies only once the recipient acked the message", async () => {
    const { connection } = await smLogin(server.c2sPort, "bob", "bob-pass", "phone")
    connection.send("<presence/>")
    await pause(100)
    const rules = [rule("deliver", "direct", "notify")]
    await alice.send(ampMessage("bob@localhost/phone", "ack1", rules))
    await connection.waitFor("body of ack1")
    await pause(300)
    expect(withId(alice, "ack1")).toEqual([])
    const afterEnable = connection.text().split("<enabled")[1] ?? ""
    const handled = (afterEnable.match(/<(message|presence|iq)[ >]/g) ?? []).length
    connection.send(`<a xmlns='${NS_SM}' h='${handled}'/>`)
    const reply = await alice.waitFor((s) => s.attrs.id === "ack1")
    expect(ampOf(reply)).toMatchObject({ status: "notify", rules })
    connection.destroy()
  })

  it("confirms by the socket write for a session without stream management", async () => {
    const carl = await rawLogin(server.c2sPort, "localhost", "carl", "carl-pass", "pc")
    carl.send("<presence/>")
    await pause(100)
    await alice.send(ampMessage("carl@localhost/pc", "ack2", [rule("deliver", "direct", "notify")]))
    expect(ampOf(await alice.waitFor((s) => s.attrs.id === "ack2")).status).toBe("notify")
    carl.destroy()
  })
})
