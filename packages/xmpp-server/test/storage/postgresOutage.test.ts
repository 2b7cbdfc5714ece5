// PostgreSQL going away while in use (issue 22 item 5), at the storage level: the configured
// backend as the server opens it (openWatchedBackend), under a small, bounded load of offline
// appends, while the private PostgreSQL is stopped and started again. The health (fed by the
// watched repositories and the pool's error events) goes down, logged
// loudly once, and comes back by itself, logged once, when its probe answers; the pool
// reconnects and the appends succeed again; and every append that was acknowledged (answered
// stored) is there afterwards. The server-level test (logins refused over the wire during the
// outage) needs the server running on PostgreSQL, which comes when the modules have moved.
import { afterAll, beforeAll, expect, it, vi } from "vitest"
import { createUserRecord } from "../../src/auth/credentials.js"
import { makeConfig } from "../../src/config/loadConfig.js"
import type { Logger } from "../../src/log/Logger.js"
import { openWatchedBackend } from "../../src/storage/openWatchedBackend.js"
import { failed } from "../../src/storage/repositories/Outcome.js"
import type { StorageBackend } from "../../src/storage/repositories/StorageBackend.js"
import type { StorageHealth } from "../../src/storage/StorageHealth.js"
import { type PrivatePostgres, startPrivatePostgres } from "../helpers/privatePostgres.js"

let postgres: PrivatePostgres | undefined
let backend: StorageBackend | undefined
let health: StorageHealth | undefined

beforeAll(async () => {
  postgres = await startPrivatePostgres()
}, 180_000)
afterAll(async () => {
  health?.stop()
  await backend?.close()
  postgres?.stop()
})

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

it("goes down and comes back by itself under load; nothing acknowledged is lost", async () => {
  const server = postgres
  if (server === undefined) throw new Error("PostgreSQL did not start")
  const url = await server.createDatabase("outage")
  const events: Array<string> = []
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (event) => void events.push(event),
    error: (event) => void events.push(event),
    child: () => logger,
  }
  const config = makeConfig({ storage: { backend: "postgres", url, pool_size: 4 } })
  const opened = await openWatchedBackend(config, logger, { probeIntervalMs: 200 })
  if (failed(opened)) throw opened
  backend = opened.backend
  health = opened.health
  const { repositories } = opened
  expect(await repositories.accounts.create(createUserRecord("kim", "secret"))).toBe(true)

  const acknowledged: Array<string> = []
  let failures = 0
  let stopLoad = false
  // A bounded load: at most 2000 appends, one after another, a few milliseconds apart.
  const load = (async () => {
    for (let index = 0; index < 2000 && !stopLoad; index++) {
      const stanza = `<message xmlns='jabber:client' to='kim@localhost' id='m${index}'/>`
      const outcome = await repositories.offline.append(
        { username: "kim", stanza, extra: null, messageKey: null, storedAt: Date.now() },
        { maxMessages: 100_000 },
      )
      if (failed(outcome)) failures += 1
      else if (outcome.stored) acknowledged.push(stanza)
      await pause(5)
    }
  })()
  try {
    await vi.waitFor(() => expect(acknowledged.length).toBeGreaterThanOrEqual(20), {
      timeout: 30_000,
    })
    server.interrupt()
    await vi.waitFor(() => expect(health?.isDown()).toBe(true), { timeout: 30_000 })
    const failedBefore = failures
    await vi.waitFor(() => expect(failures).toBeGreaterThan(failedBefore + 3), { timeout: 30_000 })
    server.resume()
    await vi.waitFor(() => expect(health?.isDown()).toBe(false), { timeout: 30_000 })
    const storedBefore = acknowledged.length
    await vi.waitFor(() => expect(acknowledged.length).toBeGreaterThan(storedBefore + 10), {
      timeout: 30_000,
    })
  } finally {
    stopLoad = true
    await load
  }
  expect(events.filter((event) => event === "storage-down")).toHaveLength(1)
  expect(events.filter((event) => event === "storage-up")).toHaveLength(1)
  const stored = await repositories.offline.list("kim")
  if (failed(stored)) throw stored
  const present = new Set(stored.map((message) => message.stanza))
  expect(acknowledged.filter((stanza) => !present.has(stanza))).toEqual([])
}, 180_000)
