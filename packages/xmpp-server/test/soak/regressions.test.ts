// Regressions the soak test found (issue 10 item 4), each reproduced on a small scale with the
// crash-test bed (the CLI server as a child process, killed with SIGKILL).
import { afterAll, describe, expect, it } from "vitest"
import { crashBed } from "../crash/cliServer.js"
import { rawLogin } from "../helpers/rawSocket.js"
import { chat, countBody, NS_SM, rawAuthenticate, smLogin } from "../sm/smRaw.js"

const password = "regression-pass"
const bed = crashBed(["[modules.stream_management]", "resume_timeout = 300"])
bed.addUsers(["alice", "bob", "carol", "dave", "erin"], password)
afterAll(() => bed.cleanup())

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Logs alice in with stream management and sends `bodies` to `to`; resolves once acknowledged. */
const sendAcked = async (port: number, to: string, bodies: ReadonlyArray<string>) => {
  const alice = await rawLogin(port, "localhost", "alice", password, "desk")
  alice.send(`<enable xmlns='${NS_SM}'/>`)
  await alice.waitFor("<enabled")
  alice.send(`${bodies.map((body) => chat(to, body)).join("")}<r xmlns='${NS_SM}'/>`)
  await alice.waitFor(`<a xmlns='${NS_SM}' h='${bodies.length}'/>`)
  return alice
}

describe("soak regressions", () => {
  // The server acknowledged these to alice once bob's socket took them; bob's connection then
  // dropped before bob acknowledged them, and they were kept in memory only while the session
  // waited to be resumed: a crash in that wait lost them.
  it("keeps messages the dropped connection never acknowledged across a SIGKILL during hibernation", async () => {
    const first = await bed.start()
    const bob = await smLogin(first.port, "bob", password, "phone")
    bob.connection.send("<presence/>")
    await bob.connection.waitFor("<presence")

    const bodies = ["unacked-1", "unacked-2", "unacked-3"]
    const alice = await sendAcked(first.port, "bob@localhost", bodies)
    // Bob got them but never answers the server's <r/>: his network goes away.
    await bob.connection.waitFor((text) => bodies.every((body) => countBody(text, body) === 1))
    bob.connection.destroy()
    await pause(400)
    await first.kill()
    alice.destroy()

    const second = await bed.start()
    const again = await rawLogin(second.port, "localhost", "bob", password, "fresh")
    again.send("<presence/>")
    await again.waitFor((text) => bodies.every((body) => countBody(text, body) >= 1), 10_000)
    await pause(300)
    for (const body of bodies) expect(countBody(again.text(), body), body).toBe(1)
    again.destroy()
    await second.kill()
  }, 30_000)

  // The durable copies made when the session hibernated (above) must go when the client
  // acknowledges those messages with the `h` of `<resume/>`: the server re-sends nothing then,
  // and a left-over copy was delivered again from offline storage after a restart.
  it("does not deliver again after a restart what the client acknowledged when it resumed", async () => {
    const first = await bed.start()
    const carol = await smLogin(first.port, "carol", password, "tablet")
    carol.connection.send("<presence/>")
    await carol.connection.waitFor("<presence")
    const bodies = ["resumed-1", "resumed-2", "resumed-3"]
    const alice = await sendAcked(first.port, "carol@localhost", bodies)
    await carol.connection.waitFor((text) => bodies.every((body) => countBody(text, body) === 1))
    carol.connection.destroy()
    await pause(400)
    // Her presence reflection and the three messages: h = 4.
    const resumed = await rawAuthenticate(first.port, "carol", password)
    resumed.send(`<resume xmlns='${NS_SM}' previd='${carol.id}' h='4'/>`)
    await resumed.waitFor("<resumed")
    resumed.send(`<iq type='get' id='ping'><ping xmlns='urn:xmpp:ping'/></iq>`)
    await resumed.waitFor(/id=["']ping["']/)
    await pause(300)
    expect(resumed.text()).not.toContain("<body>")
    await first.kill()
    alice.destroy()
    resumed.destroy()

    const second = await bed.start()
    const again = await rawLogin(second.port, "localhost", "carol", password, "fresh")
    again.send(`<presence/><iq type='get' id='done'><ping xmlns='urn:xmpp:ping'/></iq>`)
    await again.waitFor(/id=["']done["']/)
    await pause(500)
    expect(again.text()).not.toContain("<body>")
    again.destroy()
    await second.kill()
  }, 30_000)

  // The server acknowledged these to alice once dave's socket took them, but dave was not
  // reading: they sat in the kernel's buffers. When the process died with unread input on that
  // connection, the kernel reset it and dropped them. They must come from storage afterwards.
  it("keeps messages the socket took but the recipient never read across a SIGKILL", async () => {
    const first = await bed.start()
    const dave = await smLogin(first.port, "dave", password, "laptop")
    dave.connection.send("<presence/>")
    await dave.connection.waitFor("<presence")
    dave.connection.socket.pause()
    const bodies = Array.from(
      { length: 300 },
      (_, index) => `buffered-${index}-${"x".repeat(2000)}`,
    )
    const alice = await sendAcked(first.port, "dave@localhost", bodies)
    // Stopped, the server cannot read what dave sends now: unread input when it is killed.
    process.kill(first.child.pid as number, "SIGSTOP")
    dave.connection.socket.write(`<r xmlns='${NS_SM}'/>`)
    await pause(200)
    await first.kill()
    dave.connection.socket.resume()
    await dave.connection.closed
    const before = dave.connection.text()
    alice.destroy()

    const second = await bed.start()
    const again = await rawLogin(second.port, "localhost", "dave", password, "fresh")
    again.send("<presence/>")
    // dave acknowledged none of them: each comes after the restart (again if he had read it).
    await again.waitFor((text) => bodies.every((body) => countBody(text, body) >= 1), 15_000)
    await pause(300)
    for (const body of bodies) expect(countBody(again.text(), body)).toBe(1)
    expect(bodies.filter((body) => countBody(before, body) === 0).length).toBeGreaterThan(0)
    again.destroy()
    await second.kill()
  }, 40_000)
  // Offline delivery hands a stored message to a stream-managed session: the queue's durable
  // copy (`sm_pending`) commits first, the stored row is deleted on the next turn. A SIGKILL
  // between the two (the soak test hit it under load: each delete is an fsync) left both
  // copies, and recovery stored the queue's copy beside the original: the next session got
  // every such message twice. The test recreates that state from the real rows: the stored
  // rows as they were before the handoff, and the queue's copies the handoff wrote.
  it("delivers once after a SIGKILL between a stored message's handoff to a session and its removal", async () => {
    const first = await bed.start()
    const bodies = ["handoff-1", "handoff-2", "handoff-3"]
    const alice = await sendAcked(first.port, "erin@localhost", bodies)
    type Row = { username: string; stanza: string; extra: string | null; stored_at: number }
    const stored = bed.withStorage((storage) =>
      storage.sql.all<Row>(
        "SELECT username, stanza, extra, stored_at FROM offline_messages WHERE username = 'erin' ORDER BY seq",
      ),
    )
    expect(stored).toHaveLength(bodies.length)

    const erin = await smLogin(first.port, "erin", password, "phone")
    erin.connection.send("<presence/>")
    await erin.connection.waitFor((text) => bodies.every((body) => countBody(text, body) === 1))
    await pause(400)
    await first.kill()
    alice.destroy()
    erin.connection.destroy()

    bed.withStorage((storage) => {
      const queued = storage.sql.all<{ stanza_xml: string }>(
        "SELECT stanza_xml FROM sm_pending WHERE username = 'erin' ORDER BY seq",
      )
      expect(queued.map((row) => row.stanza_xml)).toEqual(stored.map((row) => row.stanza))
      expect(storage.sql.all("SELECT seq FROM offline_messages WHERE username = 'erin'")).toEqual(
        [],
      )
      for (const row of stored)
        storage.sql.run(
          "INSERT INTO offline_messages (username, stanza, extra, stored_at) VALUES (?, ?, ?, ?)",
          [row.username, row.stanza, row.extra, row.stored_at],
        )
    })

    const second = await bed.start()
    const again = await rawLogin(second.port, "localhost", "erin", password, "fresh")
    again.send(`<presence/>`)
    await again.waitFor((text) => bodies.every((body) => countBody(text, body) >= 1), 10_000)
    again.send(`<iq type='get' id='done'><ping xmlns='urn:xmpp:ping'/></iq>`)
    await again.waitFor(/id=["']done["']/)
    await pause(300)
    for (const body of bodies) expect(countBody(again.text(), body), body).toBe(1)
    again.destroy()
    await second.kill()
  }, 30_000)
})
