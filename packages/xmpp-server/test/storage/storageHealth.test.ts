// StorageHealth (issue 22 item 5): an `io` failure marks storage down and is logged once,
// however many follow; constraint errors do not count; while down a probe runs every interval
// and the first answer marks it up again, logged once, and the probing stops. Fed through
// `watchRepositories` by a real backend's failures (a closed SQLite database).
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest"
import { createUserRecord } from "../../src/auth/credentials.js"
import type { Logger } from "../../src/log/Logger.js"
import { failed, type Outcome } from "../../src/storage/repositories/Outcome.js"
import { StorageError } from "../../src/storage/Storage.js"
import { type StorageHealth, storageHealth } from "../../src/storage/StorageHealth.js"
import { openSqliteBackend } from "../../src/storage/sqlite/SqliteBackend.js"
import { watchRepositories } from "../../src/storage/watchRepositories.js"

interface Line {
  readonly level: string
  readonly event: string
  readonly fields: Readonly<Record<string, unknown>> | undefined
}

const recordingLogger = (lines: Array<Line>): Logger => {
  const logger: Logger = {
    debug: (event, fields) => void lines.push({ level: "debug", event, fields }),
    info: (event, fields) => void lines.push({ level: "info", event, fields }),
    warn: (event, fields) => void lines.push({ level: "warn", event, fields }),
    error: (event, fields) => void lines.push({ level: "error", event, fields }),
    child: () => logger,
  }
  return logger
}

const healths: Array<StorageHealth> = []
afterEach(() => {
  for (const health of healths.splice(0)) health.stop()
})

/** A health whose probe answers what `answer` holds, counting the probes. */
const makeHealth = () => {
  const lines: Array<Line> = []
  const state = { probes: 0, answer: new StorageError("probe", "io", "refused") as Outcome<number> }
  const health = storageHealth({
    probe: async () => {
      state.probes += 1
      return state.answer
    },
    logger: recordingLogger(lines),
    backend: "postgres",
    location: "postgres://xmpp:***@db/xmpp",
    probeIntervalMs: 20,
  })
  healths.push(health)
  return { health, lines, state }
}

const ioError = new StorageError("offline.append", "io", "connection terminated")

describe("StorageHealth", () => {
  it("is up at first; an io failure marks it down and is logged once, however many follow", () => {
    const { health, lines } = makeHealth()
    expect(health.isDown()).toBe(false)
    expect(health.observe(ioError)).toBe(ioError)
    expect(health.isDown()).toBe(true)
    health.observe(new StorageError("accounts.get", "io", "again"))
    health.failed(new Error("pool: connection lost"))
    const down = lines.filter((line) => line.event === "storage-down")
    expect(down).toHaveLength(1)
    expect(down[0]).toMatchObject({
      level: "error",
      fields: {
        backend: "postgres",
        location: "postgres://xmpp:***@db/xmpp",
        error: ioError.message,
      },
    })
  })

  it("is not marked down by answers: values, constraint or corrupt errors", () => {
    const { health, lines } = makeHealth()
    health.observe(3)
    health.observe(new StorageError("accounts.create", "constraint", "duplicate key"))
    health.observe(new StorageError("archive.query", "corrupt", "malformed"))
    health.observe([undefined, new StorageError("roster.commit", "constraint", "x")])
    expect(health.isDown()).toBe(false)
    expect(lines).toEqual([])
  })

  it("sees an io failure inside a batch of outcomes", () => {
    const { health } = makeHealth()
    health.observe([undefined, ioError, undefined])
    expect(health.isDown()).toBe(true)
  })

  it("probes every interval while down, and the first answer brings it back, logged once; probing stops", async () => {
    const { health, lines, state } = makeHealth()
    health.failed(new Error("the pool's connection ended"))
    await vi.waitFor(() => expect(state.probes).toBeGreaterThanOrEqual(3), { timeout: 10_000 })
    expect(health.isDown()).toBe(true)
    state.answer = 7
    await vi.waitFor(() => expect(health.isDown()).toBe(false), { timeout: 10_000 })
    const up = lines.filter((line) => line.event === "storage-up")
    expect(up).toHaveLength(1)
    expect(up[0]?.fields).toMatchObject({ backend: "postgres", down_ms: expect.any(Number) })
    const probes = state.probes
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(state.probes).toBe(probes)
    // Down again later: logged again, once.
    health.observe(ioError)
    expect(lines.filter((line) => line.event === "storage-down")).toHaveLength(2)
  })

  it("is fed by a real backend's failures through watchRepositories", async () => {
    const directory = mkdtempSync(join(tmpdir(), "xmpp-amp-health-"))
    try {
      const backend = await openSqliteBackend(join(directory, "xmpp-amp.sqlite"))
      if (failed(backend)) throw backend
      const { health } = makeHealth()
      const repositories = watchRepositories(backend, health)
      expect(await repositories.accounts.count()).toBe(0)
      expect(health.isDown()).toBe(false)
      await backend.close()
      const answer = await repositories.accounts.count()
      expect(answer).toBeInstanceOf(StorageError)
      expect((answer as StorageError).reason).toBe("io")
      expect(health.isDown()).toBe(true)
    } finally {
      rmSync(directory, { recursive: true, force: true })
    }
  })

  it("answers a method that answers at once at once: another process's roster write is seen", async () => {
    const directory = mkdtempSync(join(tmpdir(), "xmpp-amp-health-"))
    onTestFinished(() => rmSync(directory, { recursive: true, force: true }))
    const file = join(directory, "xmpp-amp.sqlite")
    const backend = await openSqliteBackend(file)
    if (failed(backend)) throw backend
    onTestFinished(async () => {
      await backend.close()
    })
    const { health } = makeHealth()
    const { roster } = watchRepositories(backend, health)
    // The roster cache (src/roster/Rosters.ts) asks this synchronously; a promise read as "no".
    vi.useFakeTimers({ toFake: ["Date"] })
    onTestFinished(() => {
      vi.useRealTimers()
    })
    vi.advanceTimersByTime(1001)
    expect(roster.changedElsewhere?.()).toBe(false)
    // Another process (the CLI) commits to the same database.
    const other = await openSqliteBackend(file)
    if (failed(other)) throw other
    expect(await other.accounts.create(createUserRecord("juliet", "secret"))).toBe(true)
    await other.close()
    vi.advanceTimersByTime(1001)
    expect(roster.changedElsewhere?.()).toBe(true)
    // One wrapper per method, not a closure per read.
    expect(roster.changedElsewhere).toBe(roster.changedElsewhere)
  })
})
