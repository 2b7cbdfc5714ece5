// Issue 25 item 7: data_dir holds every account's SCRAM keys, every stored message and the TLS
// key, so the real server creates it 0700 and its files 0600 (the SQLite database and its -wal
// and -shm files, the generated certificate and key), whatever the umask. A data_dir an earlier
// version left at 0755/0644 is tightened at start, and each change is logged.
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import {
  builtinModuleNames,
  type Logger,
  makeConfig,
  type RunningServer,
  silentLogger,
  startServer,
} from "../../src/index.js"

type LogLine = { readonly event: string; readonly fields: Record<string, unknown> }

let directory: string
let dataDir: string
const running: Array<RunningServer> = []

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "xmpp-amp-modes-"))
  dataDir = join(directory, "data")
})
afterEach(async () => {
  for (const server of running.splice(0)) await server.stop()
  rmSync(directory, { recursive: true, force: true })
})

/** Starts the real server on data_dir with TLS on (so it generates its certificate). */
const start = async (lines: Array<LogLine> = []): Promise<RunningServer> => {
  const record =
    (level: string) =>
    (event: string, fields: Record<string, unknown> = {}): void =>
      void lines.push({ event: `${level}:${event}`, fields })
  const logger: Logger = {
    ...silentLogger,
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
    child: () => logger,
  }
  const config = makeConfig(
    {
      server: { data_dir: dataDir, shutdown_grace_seconds: 0 },
      listen: {
        c2s: { host: "127.0.0.1", port: 0, tls: "optional" },
        websocket: { host: "127.0.0.1", port: 0 },
      },
    },
    { moduleNames: builtinModuleNames },
  )
  const server = await startServer({ config, logger })
  running.push(server)
  return server
}

const modeOf = (path: string): string => (statSync(path).mode & 0o777).toString(8)

/** The mode of data_dir and of every file in it, by name. */
const modes = (): Record<string, string> =>
  Object.fromEntries([
    [".", modeOf(dataDir)],
    ...readdirSync(dataDir).map((name) => [name, modeOf(join(dataDir, name))]),
  ])

const expectedFiles = [
  "xmpp-amp.sqlite",
  "xmpp-amp.sqlite-wal",
  "xmpp-amp.sqlite-shm",
  "self-signed-certificate.pem",
  "self-signed-key.pem",
  // The admin socket of the running server (deluser/passwd reach it through it).
  "admin.sock",
]

describe("file permissions (issue 25 item 7)", () => {
  it("creates a fresh data_dir 0700 and its database, WAL and key files 0600", async () => {
    const server = await start()
    await server.repositories.accounts.create({
      username: "juliet",
      scram_sha_1: { salt: "c2FsdA==", iterations: 4096, stored_key: "a", server_key: "b" },
      scram_sha_256: { salt: "c2FsdA==", iterations: 4096, stored_key: "c", server_key: "d" },
    })
    for (const file of expectedFiles) expect(existsSync(join(dataDir, file)), file).toBe(true)
    expect(modes()).toEqual(
      Object.fromEntries([[".", "700"], ...expectedFiles.map((file) => [file, "600"])]),
    )
  })

  it("tightens a data_dir an earlier version left readable to everyone, and logs it", async () => {
    const first = await start()
    await first.stop()
    running.splice(0)
    // As an earlier version (or a umask of 022) left them.
    chmodSync(dataDir, 0o755)
    for (const file of expectedFiles)
      if (existsSync(join(dataDir, file))) chmodSync(join(dataDir, file), 0o644)
    const lines: Array<LogLine> = []
    await start(lines)
    expect(modes()).toEqual(
      Object.fromEntries([[".", "700"], ...readdirSync(dataDir).map((file) => [file, "600"])]),
    )
    const tightened = lines.filter((line) => line.event === "warn:file-permissions-tightened")
    expect(tightened.map((line) => line.fields)).toContainEqual({
      path: dataDir,
      was: "755",
      now: "700",
    })
    expect(tightened.map((line) => line.fields)).toContainEqual({
      path: join(dataDir, "xmpp-amp.sqlite"),
      was: "644",
      now: "600",
    })
    expect(tightened.map((line) => line.fields)).toContainEqual({
      path: join(dataDir, "self-signed-key.pem"),
      was: "644",
      now: "600",
    })
  })
})
