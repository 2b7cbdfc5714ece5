// Offline messages (XEP-0160) delivered to a stream-managed session (XEP-0198): once the
// session's queue holds a message, stream management answers for it (re-sent on resumption,
// rerouted to offline storage when the session ends unacknowledged), so the stored copy must
// go then, whether or not a socket write ever reports on it. Found by the soak test: a session
// that hibernated while its offline messages were being delivered, then ended unresumed, left
// each message twice in offline storage, and the next session got every one of them twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { ServerModule } from "../../src/index.js"
import { type RawConnection, rawLogin } from "../helpers/rawSocket.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import { chat, countBody, smLogin } from "./smRaw.js"

/** Holds offline delivery back while armed, and tells when sessions hibernate and end. */
const nothing = (): void => undefined
const control = {
  armed: false,
  release: nothing,
  verdictAsked: nothing,
  hibernated: nothing,
  gone: nothing,
}
const gate: ServerModule = {
  name: "offline_gate",
  setup: () => ({
    offlineDelivery: async () => {
      if (!control.armed) return undefined
      control.armed = false
      control.verdictAsked()
      await new Promise<void>((resolve) => {
        control.release = resolve
      })
      return undefined
    },
    hibernated: () => control.hibernated(),
    gone: () => control.gone(),
  }),
}
const next = (event: "verdictAsked" | "hibernated" | "gone"): Promise<void> =>
  new Promise((resolve) => {
    control[event] = resolve
  })

let test: TestServer
beforeAll(async () => {
  test = await startTestServer({
    config: {
      listen: { c2s: { tls: "optional", allow_plain_without_tls: true } },
      modules: { stream_management: { resume_timeout: 1 } },
    },
    modules: [gate],
  })
  await test.addUser("alice", "alice-pass")
  await test.addUser("bob", "bob-pass")
})
afterAll(async () => {
  await test.stop()
})

/** Alice sends `bodies` to bob (offline, so they are stored), then a ping to know they were. */
const storeForBob = async (bodies: ReadonlyArray<string>): Promise<RawConnection> => {
  const alice = await rawLogin(test.c2sPort, "localhost", "alice", "alice-pass", "desk")
  alice.send(`${bodies.map((body) => chat("bob@localhost", body)).join("")}`)
  alice.send(`<iq type='get' id='stored' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>`)
  await alice.waitFor('id="stored"')
  return alice
}

describe("offline messages handed to a stream-managed session", () => {
  it("are delivered once after the session hibernated during their delivery and ended unresumed", async () => {
    const bodies = ["handover-1", "handover-2", "handover-3"]
    const alice = await storeForBob(bodies)

    // Bob's initial presence starts the delivery; his network goes away before it writes.
    const asked = next("verdictAsked")
    control.armed = true
    const bob = await smLogin(test.c2sPort, "bob", "bob-pass", "phone")
    bob.connection.send("<presence/>")
    await asked
    const hibernated = next("hibernated")
    bob.connection.destroy()
    await hibernated
    // The messages go to the hibernated session's queue; bob never resumes it.
    const gone = next("gone")
    control.release()
    await gone

    const again = await rawLogin(test.c2sPort, "localhost", "bob", "bob-pass", "laptop")
    again.send("<presence/>")
    await again.waitFor((text) => bodies.every((body) => countBody(text, body) >= 1))
    // Offline delivery writes its whole list before it reads the next input: after the
    // answer to this ping, every stored copy has been written.
    again.send(`<iq type='get' id='after' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>`)
    await again.waitFor('id="after"')
    for (const body of bodies) expect(countBody(again.text(), body), body).toBe(1)

    // And nothing is left for a later session either.
    again.send("</stream:stream>")
    await again.closed
    const third = await rawLogin(test.c2sPort, "localhost", "bob", "bob-pass", "tablet")
    third.send("<presence/>")
    third.send(`<iq type='get' id='later' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>`)
    await third.waitFor('id="later"')
    for (const body of bodies) expect(countBody(third.text(), body), body).toBe(0)
    third.destroy()
    alice.destroy()
  }, 20_000)
})
