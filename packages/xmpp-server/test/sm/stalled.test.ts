// Crash safety without head-of-line blocking: a sender's XEP-0198 `<a/>` waits until the
// messages it sent reached the recipients' sockets, so a recipient that stopped reading
// holds back the acks of the one who wrote to it, and nobody else's.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { rawLogin } from "../helpers/rawSocket.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import { chat, NS_SM } from "./smRaw.js"

let test: TestServer
beforeAll(async () => {
  test = await startTestServer({
    config: { listen: { c2s: { tls: "optional", allow_plain_without_tls: true } } },
  })
  for (const name of ["bob", "carol", "dave", "sleepy"]) await test.addUser(name, `${name}-pass`)
})
afterAll(async () => {
  await test.stop()
})

const smSender = async (name: string) => {
  const connection = await rawLogin(test.c2sPort, "localhost", name, `${name}-pass`, "w")
  connection.send(`<enable xmlns='${NS_SM}'/>`)
  await connection.waitFor("<enabled")
  return connection
}

describe("acks and a stalled recipient", () => {
  it("delays only the acks of the sender writing to a recipient that stopped reading", async () => {
    const sleepy = await rawLogin(test.c2sPort, "localhost", "sleepy", "sleepy-pass", "r")
    sleepy.socket.pause()
    const dave = await rawLogin(test.c2sPort, "localhost", "dave", "dave-pass", "r")
    const bob = await smSender("bob")
    const carol = await smSender("carol")

    const big = "x".repeat(200_000)
    let flood = ""
    for (let index = 0; index < 35; index++) flood += chat("sleepy@localhost/r", big, `big${index}`)
    bob.send(`${flood}<r xmlns='${NS_SM}'/>`)
    await new Promise((resolve) => setTimeout(resolve, 300))
    carol.send(`${chat("dave@localhost/r", "quick")}<r xmlns='${NS_SM}'/>`)
    await carol.waitFor(`<a xmlns='${NS_SM}' h='1'/>`)
    await dave.waitFor("<body>quick</body>")
    expect(bob.text()).not.toContain(`<a xmlns='${NS_SM}' h='35'/>`)

    sleepy.socket.resume()
    await bob.waitFor(`<a xmlns='${NS_SM}' h='35'/>`, 10_000)
    for (const connection of [sleepy, dave, bob, carol]) connection.destroy()
  })
})
