// A private NATS server for one test file (spec/cluster.md "How tests get PostgreSQL and NATS"):
// Debian's `nats-server -js` on 127.0.0.1, a free port and a temporary JetStream store
// directory, ready once it greets a TCP client with its INFO line. `stop()` ends it (SIGTERM),
// `kill()` with SIGKILL, `restart()` starts it again on the same port and store (outage tests);
// `remove()` stops it and deletes the directory, and an exit hook does the same if the test
// process ends without calling it. The process inherits this process's environment, so it
// carries the run marker (XMPP_AMP_TEST_RUN, scripts/leftover-processes.mjs).
import { type ChildProcess, spawn } from "node:child_process"
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs"
import { connect } from "node:net"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { freePort } from "./freePort.js"

/** A private nats-server. */
export interface PrivateNats {
  /** `nats://127.0.0.1:PORT`. */
  readonly url: string
  readonly port: number
  /** The JetStream store directory (kept across `restart`). */
  readonly storeDir: string
  /** Whether the process runs. */
  running(): boolean
  /** Ends it with SIGTERM (lame-duck free, clients see the connection close) and waits. */
  stop(): Promise<void>
  /** Ends it with SIGKILL and waits. */
  kill(): Promise<void>
  /** Starts it again on the same port and store; resolves once it accepts connections. */
  restart(): Promise<void>
  /** Stops it and removes its directory (idempotent): the afterAll of a test file. */
  remove(): Promise<void>
}

/** Where Debian's nats-server is: on PATH, else /usr/sbin (not on an unprivileged PATH). */
export const natsServerBinary = (): string => {
  const directories = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/sbin"]
  for (const directory of directories) {
    if (directory === "") continue
    const file = join(directory, "nats-server")
    try {
      accessSync(file, constants.X_OK)
      return file
    } catch {
      // not here
    }
  }
  throw new Error("nats-server not found (PATH, /usr/sbin): install Debian's nats-server package")
}

/** Whether a NATS server answers on the port: it sends `INFO {...}` to every new client. */
const greets = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port })
    const done = (answer: boolean) => {
      socket.destroy()
      resolve(answer)
    }
    socket.setTimeout(1000, () => done(false))
    socket.once("error", () => done(false))
    socket.once("data", (chunk: Buffer) => done(chunk.toString().startsWith("INFO ")))
  })

const exitOf = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()))

/**
 * Starts a private nats-server. Example (one per test file):
 * `let nats: PrivateNats; beforeAll(async () => { nats = await startNats() }); afterAll(() => nats?.remove())`.
 */
export const startNats = async (): Promise<PrivateNats> => {
  const binary = natsServerBinary()
  const directory = mkdtempSync(join(tmpdir(), "xmpp-nats-"))
  const storeDir = join(directory, "store")
  let child: ChildProcess | undefined
  let output = ""

  const killAtExit = () => child?.kill("SIGKILL")
  process.once("exit", killAtExit)

  /** Spawns on `port`; resolves once it greets, rejects when it exits first or takes > 15 s. */
  const launch = async (port: number): Promise<void> => {
    output = ""
    const spawned = spawn(binary, ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", storeDir], {
      cwd: directory,
      env: process.env,
      stdio: ["ignore", "pipe", "pipe"],
    })
    child = spawned
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000)
    }
    spawned.stdout?.on("data", keep)
    spawned.stderr?.on("data", keep)
    const deadline = Date.now() + 15_000
    while (Date.now() < deadline) {
      if (spawned.exitCode !== null || spawned.signalCode !== null)
        throw new Error(`nats-server exited at start (${spawned.exitCode}): ${output}`)
      if (await greets(port)) return
      await sleep(50)
    }
    spawned.kill("SIGKILL")
    await exitOf(spawned)
    throw new Error(`nats-server did not accept connections on ${port} within 15 s: ${output}`)
  }

  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const current = child
    if (current === undefined) return
    current.kill(signal)
    // A SIGTERM'd server that does not end in 10 s is killed.
    const timer = setTimeout(() => current.kill("SIGKILL"), 10_000)
    await exitOf(current)
    clearTimeout(timer)
    if (child === current) child = undefined
  }

  // A free port may be taken between asking and binding: try a few.
  let port = 0
  for (let attempt = 1; ; attempt++) {
    port = await freePort()
    try {
      await launch(port)
      break
    } catch (error) {
      if (attempt === 3) {
        process.off("exit", killAtExit)
        rmSync(directory, { recursive: true, force: true })
        throw error
      }
    }
  }
  let removed = false
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    stop: () => end("SIGTERM"),
    kill: () => end("SIGKILL"),
    restart: async () => {
      await end("SIGTERM")
      await launch(port)
    },
    remove: async () => {
      if (removed) return
      removed = true
      await end("SIGKILL")
      process.off("exit", killAtExit)
      rmSync(directory, { recursive: true, force: true })
    },
  }
}
