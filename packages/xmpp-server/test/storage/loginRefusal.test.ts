// While the storage is down a new login is refused at once with a clear stream error (issue 22
// item 5; RFC 6120 §4.9.3.8 `<internal-server-error/>`, text "storage unavailable") instead of
// hanging, and logins work again by themselves once the storage answers. The real server on
// 127.0.0.1, a raw TCP stream and @xmpp/client; the health is the server's StorageHealth with a
// probe the test controls (the PostgreSQL outage itself is covered where the server runs on it).
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, expect, it, vi } from "vitest"
import { createUserRecord } from "../../src/auth/credentials.js"
import { makeConfig } from "../../src/config/loadConfig.js"
import { silentLogger } from "../../src/log/Logger.js"
import { type RunningServer, startServer } from "../../src/Server.js"
import { StorageError } from "../../src/storage/Storage.js"
import { type StorageHealth, storageHealth } from "../../src/storage/StorageHealth.js"
import { clientHeader, openRaw, type RawConnection } from "../helpers/rawSocket.js"
import { connectClient, type TestClient } from "../helpers/xmppClient.js"

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const start = async (health: StorageHealth): Promise<RunningServer> => {
  const dataDir = mkdtempSync(join(tmpdir(), "xmpp-amp-login-refusal-"))
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
  const config = makeConfig({
    server: { data_dir: dataDir, shutdown_grace_seconds: 1 },
    listen: { c2s: { host: "127.0.0.1", port: 0 }, websocket: { enabled: false } },
  })
  const server = await startServer({ config, logger: silentLogger, storageHealth: health })
  cleanups.push(() => server.stop())
  return server
}

const raw = async (port: number): Promise<RawConnection> => {
  const connection = await openRaw(port)
  cleanups.push(() => connection.destroy())
  connection.send(clientHeader("localhost"))
  return connection
}

it("refuses new streams with internal-server-error 'storage unavailable' while down, and accepts logins again once it answers", async () => {
  let answer: StorageError | number = new StorageError("accounts.count", "io", "connection refused")
  const health = storageHealth({
    probe: async () => answer,
    logger: silentLogger,
    backend: "postgres",
    probeIntervalMs: 50,
  })
  cleanups.push(() => health.stop())
  const server = await start(health)
  const port = server.ports.c2s ?? 0
  const created = await server.repositories.accounts.create(createUserRecord("ivy", "ivy-pass"))
  expect(created).toBe(true)

  // Up: the stream opens as usual.
  const before = await raw(port)
  await before.waitFor("</stream:features>")

  // Down: refused at once, before any feature is offered, and the connection is closed.
  health.failed(new Error("connection terminated unexpectedly"))
  const during = await raw(port)
  const text = await during.waitFor("</stream:stream>", 10_000)
  expect(text).toMatch(
    /<stream:error[^>]*><internal-server-error xmlns='urn:ietf:params:xml:ns:xmpp-streams'\/><text [^>]*>storage unavailable<\/text><\/stream:error>/,
  )
  expect(text).not.toContain("stream:features")
  await during.closed

  // Back: the next probe answers and logins work again by themselves.
  answer = 1
  await vi.waitFor(() => expect(health.isDown()).toBe(false), { timeout: 10_000 })
  const client: TestClient = await connectClient({
    service: `xmpp://127.0.0.1:${port}`,
    domain: "localhost",
    username: "ivy",
    password: "ivy-pass",
    resource: "back",
  })
  cleanups.push(() => client.stop())
  expect(client.jid).toBe("ivy@localhost/back")
}, 60_000)
