// A private nats-server for a test (spec/cluster.md "How tests get PostgreSQL and NATS"): the
// Debian package's binary on a free loopback port; `stop()` kills it. Without the binary the
// start fails with one line saying what to install.
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { connect } from "node:net"
import { freePort } from "./freePort.js"

/** A running nats-server. */
export interface PrivateNats {
  /** e.g. "nats://127.0.0.1:4222". */
  readonly url: string
  stop(): Promise<void>
}

const binary = ["/usr/sbin/nats-server", "/usr/bin/nats-server"].find((path) => existsSync(path))

/** Resolves once `port` accepts a connection (at most `timeoutMs`). */
const listening = async (port: number, child: ChildProcess, timeoutMs: number): Promise<void> => {
  const until = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1")
      socket.once("connect", () => {
        socket.destroy()
        resolve(true)
      })
      socket.once("error", () => resolve(false))
    })
    if (open) return
    if (Date.now() > until) throw new Error(`nats-server did not listen on ${port}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Starts nats-server on a free port of 127.0.0.1. Example: `const nats = await startPrivateNats()`. */
export const startPrivateNats = async (): Promise<PrivateNats> => {
  if (binary === undefined)
    throw new Error("nats-server is not installed: apt-get install nats-server")
  const port = await freePort()
  const child = spawn(binary, ["-a", "127.0.0.1", "-p", String(port)], { stdio: "ignore" })
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  try {
    await listening(port, child, 10_000)
  } catch (error) {
    child.kill("SIGKILL")
    throw error
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGKILL")
      await exited
    },
  }
}
