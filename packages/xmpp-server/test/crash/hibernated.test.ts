// Crash safety of XEP-0198 §5 hibernated sessions (issue 5 item 9): a message the server
// acknowledged to its sender while the recipient's session was hibernated survives a SIGKILL
// (it reaches the recipient once, from offline storage, after the restart); a message that
// resumption (or rerouting, when the session ended for good) delivered is not delivered again
// after a restart.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { rawLogin } from "../helpers/rawSocket.js"
import { countBody, NS_SM, rawAuthenticate, smLogin } from "../sm/smRaw.js"
import { crashBed } from "./cliServer.js"

const password = "hib-pass"
const bed = crashBed(["[modules.stream_management]", "resume_timeout = 300"])
beforeAll(() => bed.addUsers(["alice", "bob", "carol", "dave"], password))
afterAll(() => bed.cleanup())

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const messages = (prefix: string, count: number): ReadonlyArray<string> =>
  Array.from({ length: count }, (_, index) => `${prefix}-${index + 1}`)
const chatTo = (to: string, body: string) =>
  `<message type='chat' to='${to}' id='${body}'><body>${body}</body></message>`

/** Sends `bodies` to `to` from a stream-managed sender; resolves once all are acknowledged. */
const sendAcked = async (port: number, to: string, bodies: ReadonlyArray<string>) => {
  const sender = await rawLogin(port, "localhost", "alice", password, "sender")
  sender.send(`<enable xmlns='${NS_SM}'/>`)
  await sender.waitFor("<enabled")
  sender.send(`${bodies.map((body) => chatTo(to, body)).join("")}<r xmlns='${NS_SM}'/>`)
  await sender.waitFor(`<a xmlns='${NS_SM}' h='${bodies.length}'/>`)
  return sender
}

/** Logs `username` in fresh with presence and waits until `bodies` arrived (or 10 s passed). */
const freshLogin = async (port: number, username: string, bodies: ReadonlyArray<string>) => {
  const connection = await rawLogin(port, "localhost", username, password, "fresh")
  connection.send("<presence/>")
  await connection.waitFor((text) => bodies.every((body) => countBody(text, body) >= 1), 10_000)
  await pause(300)
  return connection
}

describe("crash safety of hibernated sessions", () => {
  it("delivers every message acknowledged for a hibernated session once after a SIGKILL", async () => {
    const first = await bed.start()
    const recipient = await smLogin(first.port, "bob", password, "phone")
    recipient.connection.send("<presence/>")
    await recipient.connection.waitFor("<presence")
    recipient.connection.destroy()
    await pause(400)

    const bodies = messages("hib", 40)
    const sender = await sendAcked(first.port, "bob@localhost", bodies)
    await first.kill()
    sender.destroy()

    const second = await bed.start()
    const bob = await freshLogin(second.port, "bob", bodies)
    const text = bob.text()
    for (const body of bodies) expect(countBody(text, body), body).toBe(1)
    const order = bodies.map((body) => text.indexOf(`<body>${body}</body>`))
    expect(order).toEqual([...order].sort((a, b) => a - b))
    // Stamped with when it was queued (XEP-0203), like any message that waited.
    expect(text).toMatch(
      /<body>hib-1<\/body>(?:(?!<\/message>).)*<delay xmlns=["']urn:xmpp:delay["']/,
    )
    bob.destroy()
    await second.kill()
  }, 20_000)

  it("delivers queued messages once on resumption and not again after a restart", async () => {
    const first = await bed.start()
    const recipient = await smLogin(first.port, "carol", password, "tablet")
    recipient.connection.send("<presence/>")
    await recipient.connection.waitFor("<presence")
    recipient.connection.destroy()
    await pause(400)

    const bodies = messages("res", 10)
    const sender = await sendAcked(first.port, "carol@localhost", bodies)
    const resumed = await rawAuthenticate(first.port, "carol", password)
    resumed.send(`<resume xmlns='${NS_SM}' previd='${recipient.id}' h='1'/>`)
    await resumed.waitFor((text) => bodies.every((body) => countBody(text, body) >= 1), 5_000)
    const resumedText = resumed.text()
    for (const body of bodies) expect(countBody(resumedText, body), body).toBe(1)
    resumed.send(`<a xmlns='${NS_SM}' h='${bodies.length + 1}'/>`)
    await pause(300)
    await first.kill()
    sender.destroy()
    resumed.destroy()

    const second = await bed.start()
    const carol = await rawLogin(second.port, "localhost", "carol", password, "fresh")
    carol.send(`<presence/><iq type='get' id='done'><ping xmlns='urn:xmpp:ping'/></iq>`)
    await carol.waitFor(/id=["']done["']/)
    await pause(500)
    expect(carol.text()).not.toContain("<body>")
    carol.destroy()
    await second.kill()
  }, 20_000)

  it("reroutes queued messages once when the hibernated session is replaced, none after a restart", async () => {
    const first = await bed.start()
    const recipient = await smLogin(first.port, "dave", password, "watch")
    recipient.connection.send("<presence/>")
    await recipient.connection.waitFor("<presence")
    recipient.connection.destroy()
    await pause(400)

    const bodies = messages("rep", 10)
    const sender = await sendAcked(first.port, "dave@localhost", bodies)
    // Binding the same resource ends the hibernated session: its messages go offline.
    const replacing = await rawLogin(first.port, "localhost", "dave", password, "watch")
    replacing.send("<presence/>")
    await replacing.waitFor((text) => bodies.every((body) => countBody(text, body) >= 1), 5_000)
    await pause(300)
    for (const body of bodies) expect(countBody(replacing.text(), body), body).toBe(1)
    await first.kill()
    sender.destroy()
    replacing.destroy()

    const second = await bed.start()
    const dave = await rawLogin(second.port, "localhost", "dave", password, "fresh")
    dave.send(`<presence/><iq type='get' id='done'><ping xmlns='urn:xmpp:ping'/></iq>`)
    await dave.waitFor(/id=["']done["']/)
    await pause(500)
    expect(dave.text()).not.toContain("<body>")
    dave.destroy()
    await second.kill()
  }, 20_000)
})
