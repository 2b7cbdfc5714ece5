// A graceful stop asks stream-managed clients for a last acknowledgement (XEP-0198 §4) before
// it ends their streams: `<r/>` first (unless one is still unanswered), `system-shutdown` once
// the answer came (or after half of `shutdown_grace_seconds`). What a client confirms then is
// done with; what it does not goes to offline storage and comes again after the restart
// (XEP-0198 §5), as before.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { createUserRecord, type RunningServer } from "../../src/index.js"
import { type RawConnection, rawLogin } from "../helpers/rawSocket.js"
import { startTestServerIn } from "../helpers/testServer.js"
import { chat, countBody, NS_SM, smLogin } from "./smRaw.js"

const dataDir = mkdtempSync(join(tmpdir(), "xmpp-amp-shutdown-acks-"))
const open: Array<RawConnection> = []
afterAll(() => {
  for (const connection of open) connection.destroy()
  rmSync(dataDir, { recursive: true, force: true })
})

const graceSeconds = 2
const start = async (): Promise<RunningServer> => {
  const test = await startTestServerIn(dataDir, {
    config: {
      server: { shutdown_grace_seconds: graceSeconds },
      listen: { c2s: { tls: "optional", allow_plain_without_tls: true } },
    },
  })
  return test.server
}

const ackRequest = `<r xmlns='${NS_SM}'/>`
const shutdownError = "<system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
const requestsIn = (text: string): number => text.split(ackRequest).length - 1
/** Stanzas a client received since it enabled stream management: the `h` it acknowledges. */
const stanzasSinceEnabled = (text: string): number =>
  text.slice(text.indexOf("<enabled")).match(/<(message|presence|iq)[\s>/]/g)?.length ?? 0

/** A stream-managed, available session of `username` that never acknowledges on its own. */
const smSession = async (port: number, username: string): Promise<RawConnection> => {
  const { connection } = await smLogin(port, username, `${username}-pass`, "phone")
  open.push(connection)
  connection.send("<presence/>")
  return connection
}

/** A new session of `username` after the restart: the bodies it gets from offline storage. */
/** Logs in after the restart; answers what arrived once a ping is answered and `expected` came. */
const deliveredAfterRestart = async (
  port: number,
  username: string,
  expected: ReadonlyArray<string> = [],
): Promise<string> => {
  const connection = await rawLogin(port, "localhost", username, `${username}-pass`, "laptop")
  open.push(connection)
  connection.send("<presence/>")
  connection.send(`<iq type='get' id='after' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>`)
  // Offline delivery reads storage asynchronously: the ping may be answered first.
  return connection.waitFor(
    (text) => text.includes('id="after"') && expected.every((body) => countBody(text, body) >= 1),
  )
}

/** Sends `<r/>` and waits for the server's n-th `<a/>`: what was sent before is processed. */
const serverAcksIn = (text: string) => text.split(`<a xmlns='${NS_SM}'`).length - 1
const sync = async (connection: RawConnection): Promise<string> => {
  const count = serverAcksIn(connection.text())
  connection.send(ackRequest)
  return connection.waitFor((text) => serverAcksIn(text) > count)
}

describe("graceful stop and stream management", () => {
  it("waits for a last <a/>, so what a client confirmed is not sent again after a restart", async () => {
    const first = await start()
    const port = first.ports.c2s ?? 0
    for (const name of ["alice", "bob", "carol"])
      await first.repositories.accounts.create(createUserRecord(name, `${name}-pass`))
    const bob = await smSession(port, "bob")
    const carol = await smSession(port, "carol")
    // Carol's presence (and its echo) are handled: what she got so far she will acknowledge.
    const carolBefore = stanzasSinceEnabled(await sync(carol))
    const alice = await rawLogin(port, "localhost", "alice", "alice-pass", "desk")
    open.push(alice)
    const toBob = ["for-bob-1", "for-bob-2", "for-bob-3"]
    const toCarol = ["for-carol-1", "for-carol-2"]
    alice.send(toBob.map((body) => chat("bob@localhost", body)).join(""))
    alice.send(toCarol.map((body) => chat("carol@localhost", body)).join(""))
    await bob.waitFor((text) => toBob.every((body) => countBody(text, body) === 1))
    await carol.waitFor((text) => toCarol.every((body) => countBody(text, body) === 1))
    // The server asks after each burst. Bob leaves the request unanswered; carol answers for
    // what she had before the messages only, so nothing is outstanding for her.
    await bob.waitFor(ackRequest)
    await carol.waitFor(ackRequest)
    carol.send(`<a xmlns='${NS_SM}' h='${carolBefore}'/>`)
    await sync(carol)
    const bobAsked = requestsIn(bob.text())
    const carolAsked = requestsIn(carol.text())

    const began = performance.now()
    const stopped = first.stop()
    // Carol is asked again (nothing was outstanding) and never answers.
    await carol.waitFor((text) => requestsIn(text) > carolAsked)
    // Bob's request is still outstanding: he is not asked twice, and his stream stays open
    // until he answers.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(requestsIn(bob.text())).toBe(bobAsked)
    expect(bob.text()).not.toContain(shutdownError)
    bob.send(`<a xmlns='${NS_SM}' h='${stanzasSinceEnabled(bob.text())}'/>`)
    // Bob's stream ends once his answer came, while carol's is still waiting for hers.
    await bob.waitFor(shutdownError)
    expect(carol.text()).not.toContain(shutdownError)
    // Carol's stream ends once half the grace time is over.
    await carol.waitFor(shutdownError)
    await stopped
    const stopSeconds = (performance.now() - began) / 1000
    expect(stopSeconds).toBeGreaterThanOrEqual(graceSeconds / 2 - 0.1)
    expect(stopSeconds).toBeLessThan(graceSeconds + 1)

    const second = await start()
    const secondPort = second.ports.c2s ?? 0
    try {
      // Bob acknowledged everything: nothing of his was kept to be sent again.
      expect(await second.repositories.offline.count("bob")).toBe(0)
      const bobAgain = await deliveredAfterRestart(secondPort, "bob")
      for (const body of toBob) expect(countBody(bobAgain, body), body).toBe(0)
      const carolAgain = await deliveredAfterRestart(secondPort, "carol", toCarol)
      for (const body of toCarol) expect(countBody(carolAgain, body), body).toBe(1)
    } finally {
      await second.stop()
    }
  }, 20_000)

  it("does not ask a client that has acknowledged everything", async () => {
    const server = await start()
    const port = server.ports.c2s ?? 0
    await server.repositories.accounts.create(createUserRecord("dave", "dave-pass"))
    const dave = await smSession(port, "dave")
    // Dave acknowledges all he got once his presence was handled, and syncs again, so that
    // his <a/> was processed before the stop.
    const received = await sync(dave)
    dave.send(`<a xmlns='${NS_SM}' h='${stanzasSinceEnabled(received)}'/>`)
    await sync(dave)
    const before = requestsIn(dave.text())
    await server.stop()
    expect(requestsIn(dave.text())).toBe(before)
    expect(dave.text()).toContain(shutdownError)
  })
})
