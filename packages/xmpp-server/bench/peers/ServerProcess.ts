// A server under test as a child process pinned to one core (`taskset -c CORE`): start it, wait
// until its TCP port accepts connections, stop it with SIGTERM (SIGKILL after a grace period)
// so no process outlives the benchmark.
import { type ChildProcess, spawn } from "node:child_process"
import { connect, createServer } from "node:net"
import { setTimeout as sleep } from "node:timers/promises"

/** A running server: its process id (for procfs figures) and its client port. */
export interface RunningServer {
  readonly name: string
  readonly pid: number
  readonly port: number
  /** Everything it printed so far (for error messages). */
  readonly output: () => string
  readonly stop: () => Promise<void>
}

/** How to start one. */
export interface ServerCommand {
  readonly name: string
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly cwd: string
  readonly env?: NodeJS.ProcessEnv
  /** The CPU core to pin it to. */
  readonly core: number
}

/** A TCP port that was free a moment ago on 127.0.0.1 (for servers that need a fixed one). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      probe.close(() => resolve(port))
    })
  })

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port })
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

/** Spawns `command` pinned to its core, with stdout and stderr collected. */
export const spawnPinned = (command: ServerCommand): ChildProcess =>
  spawn("taskset", ["-c", String(command.core), command.command, ...command.args], {
    cwd: command.cwd,
    env: command.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  })

/** SIGKILL, if the process is still there. */
export const killQuietly = (pid: number): void => {
  try {
    process.kill(pid, "SIGKILL")
  } catch {
    // Already gone.
  }
}

/** Stops `child`: SIGTERM, then SIGKILL if it has not exited after `graceMilliseconds`. */
export const stopChild = async (child: ChildProcess, graceMilliseconds = 10_000): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  child.kill("SIGTERM")
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMilliseconds)
  await exited
  clearTimeout(timer)
}

/**
 * Starts a server whose port is known in advance and resolves once it accepts connections
 * (polls for at most `readySeconds`).
 */
export const startServer = async (
  command: ServerCommand,
  port: number,
  readySeconds = 60,
): Promise<RunningServer> => {
  const child = spawnPinned(command)
  let output = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString()
  })
  const server: RunningServer = {
    name: command.name,
    pid: child.pid ?? 0,
    port,
    output: () => output,
    stop: () => stopChild(child),
  }
  for (let attempt = 0; attempt < readySeconds * 10; attempt++) {
    if (child.exitCode !== null) break
    if (await accepts(port)) return server
    await sleep(100)
  }
  await server.stop()
  throw new Error(`${command.name} did not accept connections on port ${port}:\n${output}`)
}
