// Cross-site WebSocket hijacking (RFC 6455 §10.2): a browser-style upgrade whose `Origin` is
// not allowed is refused with HTTP 403 before any XMPP; clients without `Origin` and pages
// from the host the client connected to are served by default; `allowed_origins` replaces
// that rule with an explicit list.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { WebSocket } from "ws"
import { startTestServer, type TestServer } from "../helpers/testServer.js"

let defaults: TestServer
let listed: TestServer
beforeAll(async () => {
  defaults = await startTestServer()
  listed = await startTestServer({
    config: {
      listen: {
        websocket: { allowed_origins: ["https://Chat.Example.org", "http://127.0.0.1:8080"] },
      },
    },
  })
})
afterAll(async () => {
  await Promise.all([defaults.stop(), listed.stop()])
})

const open = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>"

/** Upgrades with `origin` (none when undefined): the HTTP status of a refusal, or the first XMPP message. */
const handshake = (url: string, origin: string | undefined) =>
  new Promise<{ status: number } | { opened: string }>((resolve, reject) => {
    const socket = new WebSocket(url, ["xmpp"], origin === undefined ? {} : { origin })
    socket.on("unexpected-response", (_request, response) => {
      resolve({ status: response.statusCode ?? 0 })
      socket.terminate()
    })
    socket.on("open", () => socket.send(open))
    socket.on("message", (data) => {
      resolve({ opened: data.toString() })
      socket.close()
    })
    socket.on("error", reject)
  })

describe("WebSocket Origin check, default (same host)", () => {
  it("refuses a page from another site with HTTP 403, before any XMPP", async () => {
    expect(await handshake(defaults.websocketUrl, "https://evil.example")).toEqual({ status: 403 })
    expect(await handshake(defaults.websocketUrl, "null")).toEqual({ status: 403 })
  })

  it("serves a client without Origin and a page from the host it connected to (any port)", async () => {
    for (const origin of [undefined, "http://127.0.0.1:8080", "https://127.0.0.1"]) {
      const result = await handshake(defaults.websocketUrl, origin)
      expect(result).toMatchObject({ opened: expect.stringContaining("<open") })
    }
  })
})

describe("WebSocket Origin check, allowed_origins", () => {
  it("serves exactly the listed origins and clients without Origin", async () => {
    for (const origin of [undefined, "https://chat.example.org", "http://127.0.0.1:8080"]) {
      const result = await handshake(listed.websocketUrl, origin)
      expect(result).toMatchObject({ opened: expect.stringContaining("<open") })
    }
    for (const origin of [
      "https://evil.example",
      "http://127.0.0.1:9999",
      "http://chat.example.org",
    ])
      expect(await handshake(listed.websocketUrl, origin)).toEqual({ status: 403 })
  })
})
