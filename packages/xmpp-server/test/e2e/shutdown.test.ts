// Graceful stop (spec/server.md "Operation"): every open stream ends with a
// `system-shutdown` stream error, the listeners close and `stop()` resolves.
import { connect } from "node:net"
import { describe, expect, it } from "vitest"
import { rawLogin } from "../helpers/rawSocket.js"
import { startTestServer } from "../helpers/testServer.js"

describe("graceful shutdown", () => {
  it("ends open streams with system-shutdown and stops listening", async () => {
    const test = await startTestServer({
      config: { listen: { c2s: { tls: "optional", allow_plain_without_tls: true } } },
    })
    test.addUser("alice", "alice-pass")
    const alice = await rawLogin(test.c2sPort, "localhost", "alice", "alice-pass", "a")
    const port = test.c2sPort
    await test.stop()
    expect(alice.text()).toContain("<system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>")
    expect(alice.text().endsWith("</stream:stream>")).toBe(true)
    await alice.closed
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1")
      socket.once("connect", () => {
        socket.destroy()
        resolve(false)
      })
      socket.once("error", () => resolve(true))
    })
    expect(refused).toBe(true)
  })
})
