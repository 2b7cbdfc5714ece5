// A private nats-server for the cluster bench (spec/cluster.md "How tests get PostgreSQL and
// NATS"): Debian's `nats-server -js -a 127.0.0.1 -p PORT -sd DIR` with JetStream's store in a
// fresh temporary directory, optionally pinned to cores (the tests' test/helpers/natsServer.ts
// has neither the pid, which the bench reads CPU from, nor pinning); `stop()` ends it (SIGTERM, SIGKILL
// after 10 s) and removes the directory, and an exit hook kills it if the bench dies first.
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { natsServerBinary } from "../../test/helpers/natsServer.js"
import { freePort, stopChild } from "../peers/ServerProcess.js"

/** A running private nats-server. */
export interface PrivateNats {
  readonly pid: number
  readonly url: string
  readonly stop: () => Promise<void>
}

const readyWithin = (child: ChildProcess, seconds: number): Promise<void> =>
  new Promise((resolve, reject) => {
    let output = ""
    const timer = setTimeout(
      () => reject(new Error(`nats-server was not ready within ${seconds} s:\n${output}`)),
      seconds * 1000,
    )
    const collect = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes("Server is ready")) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout?.on("data", collect)
    child.stderr?.on("data", collect)
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`nats-server exited with ${code} before it was ready:\n${output}`))
    })
  })

/** Starts one, on a free port of 127.0.0.1; `cores` as taskset takes them ("0", "0,1"). */
export const startPrivateNats = async (cores?: string): Promise<PrivateNats> => {
  // Throws with what to install when Debian's nats-server is missing (PATH, /usr/sbin).
  const binary = natsServerBinary()
  const directory = mkdtempSync(join(tmpdir(), "xmpp-nats-"))
  const port = await freePort()
  const command = [binary, "-js", "-a", "127.0.0.1", "-p", String(port), "-sd", directory]
  const [file = binary, ...args] =
    cores === undefined ? command : ["taskset", "-c", cores, ...command]
  const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] })
  const kill = () => child.kill("SIGKILL")
  process.once("exit", kill)
  const stop = async () => {
    process.off("exit", kill)
    await stopChild(child)
    rmSync(directory, { recursive: true, force: true })
  }
  try {
    await readyWithin(child, 30)
  } catch (error) {
    await stop()
    throw error
  }
  return { pid: child.pid ?? 0, url: `nats://127.0.0.1:${port}`, stop }
}
