import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { xml } from "../../src/index.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import { connectClient } from "../helpers/xmppClient.js"

let test: TestServer
beforeAll(async () => {
  test = await startTestServer()
  test.addUser("alice", "alice-pass")
  test.addUser("bob", "bob-pass")
})
afterAll(async () => {
  await test.stop()
})

describe("smoke", () => {
  it("logs in over TCP with STARTTLS and exchanges a message", async () => {
    const alice = await connectClient({
      service: `xmpp://127.0.0.1:${test.c2sPort}`,
      domain: "localhost",
      username: "alice",
      password: "alice-pass",
      resource: "a",
    })
    const bob = await connectClient({
      service: test.websocketUrl,
      domain: "localhost",
      username: "bob",
      password: "bob-pass",
      resource: "b",
    })
    expect(alice.jid).toBe("alice@localhost/a")
    await bob.send(xml("presence"))
    await alice.send(
      xml("message", { to: "bob@localhost", type: "chat", id: "m1" }, xml("body", {}, "hi")),
    )
    const got = await bob.waitFor((s) => s.name === "message")
    expect(got.getChildText("body")).toBe("hi")
    expect(got.attrs.from).toBe("alice@localhost/a")
    await alice.stop()
    await bob.stop()
  })
})
