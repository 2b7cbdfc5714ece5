// Regressions the soak test found (issue 10 item 4), each reproduced on a small scale with the
// crash-test bed (the CLI server as a child process, killed with SIGKILL).
import { afterAll, describe, expect, it } from "vitest"
import { crashBed } from "../crash/cliServer.js"
import { rawLogin } from "../helpers/rawSocket.js"
import { chat, countBody, NS_SM, smLogin } from "../sm/smRaw.js"

const password = "regression-pass"
const bed = crashBed(["[modules.stream_management]", "resume_timeout = 300"])
bed.addUsers(["alice", "bob"], password)
afterAll(() => bed.cleanup())

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

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
    const alice = await rawLogin(first.port, "localhost", "alice", password, "desk")
    alice.send(`<enable xmlns='${NS_SM}'/>`)
    await alice.waitFor("<enabled")
    alice.send(`${bodies.map((body) => chat("bob@localhost", body)).join("")}<r xmlns='${NS_SM}'/>`)
    await alice.waitFor(`<a xmlns='${NS_SM}' h='${bodies.length}'/>`)
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
})
