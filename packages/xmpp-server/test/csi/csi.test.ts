// XEP-0352 client state indication over raw TCP: while inactive, presence and chat-state-only
// messages wait (only the latest per sender and kind), modules learn they were held back;
// a message with a body goes through at once (after what was held, to keep the order);
// `<active/>` flushes. With `[modules.csi] enabled = false` nothing is advertised.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { ServerModule } from "../../src/index.js"
import { rawLogin } from "../helpers/rawSocket.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"

const held: Array<string> = []
const recorder: ServerModule = {
  name: "csi_recorder",
  setup: () => ({
    heldBack: (session, stanza, reason) =>
      held.push(`${session.resource} ${stanza.name} ${stanza.attrs.id ?? ""} ${reason}`),
  }),
}

const NS_CSI = "urn:xmpp:csi:0"
const composing = (id: string) =>
  `<message type='chat' to='alice@localhost/phone' id='${id}'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`
const directed = (id: string, show: string) =>
  `<presence to='alice@localhost/phone' id='${id}'><show>${show}</show></presence>`
const idAt = (text: string, id: string): number => text.search(new RegExp(`id=["']${id}["']`))
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let test: TestServer
beforeAll(async () => {
  test = await startTestServer({
    config: { listen: { c2s: { tls: "optional", allow_plain_without_tls: true } } },
    modules: [recorder],
  })
  await test.addUser("alice", "alice-pass")
  await test.addUser("bob", "bob-pass")
})
afterAll(async () => {
  await test.stop()
})

describe("XEP-0352 client state indication", () => {
  it("holds presence and chat states while inactive and sends the latest on active", async () => {
    const alice = await rawLogin(test.c2sPort, "localhost", "alice", "alice-pass", "phone")
    expect(alice.text()).toMatch(/<csi xmlns=["']urn:xmpp:csi:0["']\/>/)
    const bob = await rawLogin(test.c2sPort, "localhost", "bob", "bob-pass", "pc")
    alice.send(`<inactive xmlns='${NS_CSI}'/>`)
    await pause(50)
    bob.send(directed("p1", "away") + directed("p2", "dnd") + composing("cs1"))
    await expect.poll(() => held.length).toBe(3)
    expect(held).toEqual([
      "phone presence p1 csi",
      "phone presence p2 csi",
      "phone message cs1 csi",
    ])
    await pause(100)
    expect(idAt(alice.text(), "p2")).toBe(-1)
    expect(alice.text()).not.toContain("<composing")

    alice.send(`<active xmlns='${NS_CSI}'/>`)
    const text = await alice.waitFor("<composing")
    expect(idAt(text, "p2")).toBeGreaterThan(-1)
    expect(idAt(text, "p1")).toBe(-1)
    expect(text).toContain("<show>dnd</show>")
    expect(text).not.toContain("<show>away</show>")
    alice.destroy()
    bob.destroy()
  })

  it("lets a message with a body through at once, after what was held", async () => {
    held.length = 0
    const alice = await rawLogin(test.c2sPort, "localhost", "alice", "alice-pass", "phone")
    const bob = await rawLogin(test.c2sPort, "localhost", "bob", "bob-pass", "pc")
    alice.send(`<inactive xmlns='${NS_CSI}'/>`)
    await pause(50)
    bob.send(composing("cs2"))
    await expect.poll(() => held.length).toBe(1)
    bob.send(
      "<message type='chat' to='alice@localhost/phone' id='m1'><body>wake up</body></message>",
    )
    const text = await alice.waitFor("<body>wake up</body>")
    expect(idAt(text, "cs2")).toBeGreaterThan(-1)
    expect(idAt(text, "cs2")).toBeLessThan(text.indexOf("<body>wake up</body>"))
    expect(held).toHaveLength(1)
    alice.destroy()
    bob.destroy()
  })
})

describe("CSI switched off", () => {
  it("is not advertised and <inactive/> is refused", async () => {
    const off = await startTestServer({
      config: {
        listen: { c2s: { tls: "optional", allow_plain_without_tls: true } },
        modules: { csi: { enabled: false } },
      },
    })
    await off.addUser("carol", "carol-pass")
    const carol = await rawLogin(off.c2sPort, "localhost", "carol", "carol-pass", "x")
    expect(carol.text()).not.toContain(NS_CSI)
    carol.send(`<inactive xmlns='${NS_CSI}'/>`)
    await carol.waitFor("<unsupported-stanza-type")
    carol.destroy()
    await off.stop()
  })
})
