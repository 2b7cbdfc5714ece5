// Graceful stop (spec/server.md "Operation"): every open stream ends with a
// `system-shutdown` stream error, the listeners close and `stop()` resolves — also when the
// server runs as an Effect layer and the layer is released.
import { mkdtempSync, rmSync } from "node:fs"
import { connect } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { createUserRecord, makeConfig, silentLogger, XmppServer } from "../../src/index.js"
import { rawLogin } from "../helpers/rawSocket.js"
import { startTestServer } from "../helpers/testServer.js"

describe("graceful shutdown", () => {
  it("ends open streams with system-shutdown and stops listening", async () => {
    const test = await startTestServer({
      config: { listen: { c2s: { tls: "optional", allow_plain_without_tls: true } } },
    })
    await test.addUser("alice", "alice-pass")
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

describe("the Effect layer", () => {
  it("serves while the layer is in use and shuts down when it is released", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "xmpp-amp-layer-"))
    const config = makeConfig({
      server: { data_dir: dataDir },
      listen: {
        c2s: { host: "127.0.0.1", port: 0, tls: "optional", allow_plain_without_tls: true },
        websocket: { port: 0 },
      },
    })
    const alice = await Effect.runPromise(
      Effect.gen(function* () {
        const server = yield* XmppServer
        yield* Effect.promise(() =>
          server.repositories.accounts.create(createUserRecord("alice", "alice-pass")),
        )
        return yield* Effect.promise(() =>
          rawLogin(server.ports.c2s ?? 0, "localhost", "alice", "alice-pass", "fx"),
        )
      }).pipe(Effect.provide(XmppServer.layer({ config, logger: silentLogger }))),
    )
    expect(alice.text()).toContain("<jid>alice@localhost/fx</jid>")
    expect(alice.text()).toContain("<system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>")
    await alice.closed
    rmSync(dataDir, { recursive: true, force: true })
  })
})
