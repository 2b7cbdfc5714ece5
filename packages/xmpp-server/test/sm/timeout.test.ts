// XEP-0198 when nobody resumes: an unanswered ack request reports `ackDelayed`, the
// hibernated session ends after `resume_timeout` (`gone` lists what was never acknowledged),
// and those messages reach the user exactly once from offline storage at the next login, or
// at once on another online resource. Also the per-session bound on unacknowledged stanzas.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { ServerModule, Session, XmlElement } from "../../src/index.js"
import { rawLogin } from "../helpers/rawSocket.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import { chat, countBody, smLogin } from "./smRaw.js"

const events: Array<string> = []
const body = (stanza: XmlElement): string => stanza.getChildText("body") ?? stanza.name

const recorder: ServerModule = {
  name: "sm_recorder",
  setup: () => ({
    ackDelayed: (session, unacked) =>
      events.push(`ackDelayed ${session.resource} [${unacked.map(body).join(",")}]`),
    gone: (session, unacked) =>
      events.push(`gone ${session.resource} [${unacked.map(body).join(",")}]`),
  }),
}

let test: TestServer
beforeAll(async () => {
  test = await startTestServer({
    config: {
      listen: { c2s: { tls: "optional", allow_plain_without_tls: true } },
      modules: { stream_management: { resume_timeout: 1, ack_timeout: 1, max_unacked: 10 } },
    },
    modules: [recorder],
  })
  await test.addUser("alice", "alice-pass")
  await test.addUser("bob", "bob-pass")
})
afterAll(async () => {
  await test.stop()
})

describe("XEP-0198 without resumption", () => {
  it("reports ackDelayed, then gone, and delivers the unacked messages once from offline storage", async () => {
    events.length = 0
    const { connection } = await smLogin(test.c2sPort, "alice", "alice-pass", "tablet")
    const bob = await rawLogin(test.c2sPort, "localhost", "bob", "bob-pass", "pc")
    bob.send(chat("alice@localhost/tablet", "late1") + chat("alice@localhost/tablet", "late2"))
    await connection.waitFor("<body>late2</body>")
    await expect.poll(() => events, { timeout: 3000 }).toContain("ackDelayed tablet [late1,late2]")
    connection.destroy()
    await expect.poll(() => events, { timeout: 4000 }).toContain("gone tablet [late1,late2]")

    const back = await rawLogin(test.c2sPort, "localhost", "alice", "alice-pass", "tablet")
    back.send("<presence/>")
    const text = await back.waitFor("<body>late2</body>")
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(countBody(back.text(), "late1")).toBe(1)
    expect(countBody(back.text(), "late2")).toBe(1)
    expect(text).toContain("urn:xmpp:delay")
    back.destroy()
    bob.destroy()
  })

  it("hands unacked messages to another online resource when the session is gone", async () => {
    events.length = 0
    const desk = await rawLogin(test.c2sPort, "localhost", "alice", "alice-pass", "desk")
    desk.send("<presence/>")
    const { connection } = await smLogin(test.c2sPort, "alice", "alice-pass", "phone")
    const bob = await rawLogin(test.c2sPort, "localhost", "bob", "bob-pass", "pc2")
    bob.send(chat("alice@localhost/phone", "moved"))
    await connection.waitFor("<body>moved</body>")
    connection.destroy()
    await expect.poll(() => events, { timeout: 4000 }).toContain("gone phone [moved]")
    await desk.waitFor("<body>moved</body>")
    expect(countBody(desk.text(), "moved")).toBe(1)
    desk.destroy()
    bob.destroy()
  })

  it("ends a session that leaves too many stanzas unacknowledged, keeping them", async () => {
    events.length = 0
    const { connection } = await smLogin(test.c2sPort, "alice", "alice-pass", "slow")
    const bob = await rawLogin(test.c2sPort, "localhost", "bob", "bob-pass", "pc3")
    for (let index = 1; index <= 11; index++)
      bob.send(chat("alice@localhost/slow", `flood${index}`))
    await connection.waitFor("<policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>")
    await expect.poll(() => events.find((event) => event.startsWith("gone slow"))).toBeDefined()
    const back = await rawLogin(test.c2sPort, "localhost", "alice", "alice-pass", "slow")
    back.send("<presence/>")
    await back.waitFor("<body>flood11</body>")
    for (let index = 1; index <= 11; index++)
      expect(countBody(back.text(), `flood${index}`)).toBe(1)
    back.destroy()
    bob.destroy()
  })
})

describe("hibernation seen by modules", () => {
  it("exposes the hibernated state, the unacked stanzas and a later end", async () => {
    let hibernatedSession: Session | undefined
    events.length = 0
    const watcher: ServerModule = {
      name: "watcher",
      setup: () => ({
        hibernated: (session) => {
          hibernatedSession = session
        },
      }),
    }
    const local = await startTestServer({
      config: {
        listen: { c2s: { tls: "optional", allow_plain_without_tls: true } },
        modules: { stream_management: { resume_timeout: 1 } },
      },
      modules: [watcher, recorder],
    })
    await local.addUser("alice", "alice-pass")
    await local.addUser("bob", "bob-pass")
    const { connection } = await smLogin(local.c2sPort, "alice", "alice-pass", "watch")
    const bob = await rawLogin(local.c2sPort, "localhost", "bob", "bob-pass", "pc")
    bob.send(chat("alice@localhost/watch", "kept"))
    await connection.waitFor("<body>kept</body>")
    connection.destroy()
    await expect.poll(() => hibernatedSession?.hibernated).toBe(true)
    const session = hibernatedSession as Session
    expect(session.streamManaged).toBe(true)
    expect(session.unacked().map(body)).toEqual(["kept"])
    expect(session.rescheduleHibernationEnd(2500)).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(events.some((event) => event.startsWith("gone watch"))).toBe(false)
    await expect.poll(() => events, { timeout: 3000 }).toContain("gone watch [kept]")
    expect(session.hibernated).toBe(false)
    expect(session.rescheduleHibernationEnd(100)).toBe(false)
    bob.destroy()
    await local.stop()
  })
})
