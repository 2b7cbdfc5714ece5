// A listener whose port is taken makes `startServer` reject with a ListenError naming the
// listener; the process keeps running (the WebSocket library re-emits the bind error, which
// once became an uncaught exception and killed the whole process).
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { makeConfig, silentLogger, startServer } from "../../src/index.js"

const dataDir = mkdtempSync(join(tmpdir(), "xmpp-amp-busy-"))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

const occupy = () =>
  new Promise<{ port: number; close: () => Promise<void> }>((resolve) => {
    const blocker = createServer()
    blocker.listen(0, "127.0.0.1", () => {
      const address = blocker.address()
      resolve({
        port: typeof address === "object" && address !== null ? address.port : 0,
        close: () => new Promise((done) => blocker.close(() => done())),
      })
    })
  })

describe("a busy port", () => {
  it("rejects startServer for a taken WebSocket port instead of crashing the process", async () => {
    const blocker = await occupy()
    const uncaught: unknown[] = []
    const record = (error: unknown) => uncaught.push(error)
    process.on("uncaughtException", record)
    try {
      const config = makeConfig({
        server: { data_dir: dataDir },
        listen: {
          c2s: { port: 0, tls: "optional" },
          websocket: { port: blocker.port },
          component: { port: 0 },
        },
      })
      await expect(startServer({ config, logger: silentLogger })).rejects.toMatchObject({
        _tag: "ListenError",
        listener: "listen.websocket",
        reason: "address-in-use",
      })
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(uncaught).toEqual([])
    } finally {
      process.off("uncaughtException", record)
      await blocker.close()
    }
  })
})
