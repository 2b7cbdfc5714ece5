// Several cluster nodes inside the test process (spec/cluster.md): each a real server with its
// own listeners and data_dir, all on one fresh PostgreSQL database of the run's private
// PostgreSQL and one private nats-server. For guarantees that need a node to die by SIGKILL,
// test/helpers/clusterBed.ts starts nodes as processes instead.
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { connect } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { ConfigInput, Logger } from "../../src/index.js"
import { freePort } from "./freePort.js"
import { startTestServerIn, type TestServer } from "./testServer.js"
import { freshPostgresDatabase } from "./testStorage.js"

/** A private nats-server. */
export interface LocalNats {
  readonly url: string
  readonly port: number
  /** Stops it (SIGTERM, waits for the exit). */
  stop(): Promise<void>
  /** Starts it again on the same port and store directory. */
  restart(): Promise<void>
}

const reachable = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1")
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

/** Starts `nats-server -js` on a free loopback port with a temporary store directory. */
export const startLocalNats = async (): Promise<LocalNats> => {
  const port = await freePort()
  const store = mkdtempSync(join(tmpdir(), "xmpp-nats-"))
  let child: ChildProcess | undefined
  const launch = async (): Promise<void> => {
    const started = spawn(
      "nats-server",
      ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", store],
      {
        stdio: "ignore",
      },
    )
    child = started
    for (let attempt = 0; attempt < 100; attempt++) {
      if (started.exitCode !== null) throw new Error(`nats-server exited with ${started.exitCode}`)
      if (await reachable(port)) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    started.kill("SIGKILL")
    throw new Error("nats-server did not start within 5 s")
  }
  const halt = async (): Promise<void> => {
    const running = child
    child = undefined
    if (running === undefined || running.exitCode !== null) return
    const exited = new Promise((resolve) => running.once("exit", resolve))
    running.kill("SIGTERM")
    await exited
  }
  await launch()
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await halt()
      rmSync(store, { recursive: true, force: true })
    },
    restart: async () => {
      await halt()
      await launch()
    },
  }
}

/** Nodes of one cluster, started in this process. */
export interface LocalCluster {
  readonly nats: LocalNats
  readonly nodes: ReadonlyArray<TestServer>
  /** Stops every node, then NATS, and removes the data directories. */
  stop(): Promise<void>
}

/** Options of `startLocalCluster`. */
export interface LocalClusterOptions {
  readonly nodes: number
  readonly config?: ConfigInput
  readonly logger?: (node: string) => Logger
}

/** Starts `nodes` nodes named n1, n2, … sharing a fresh database and a private NATS. */
export const startLocalCluster = async (options: LocalClusterOptions): Promise<LocalCluster> => {
  const nats = await startLocalNats()
  const url = await freshPostgresDatabase()
  const nodes: Array<TestServer> = []
  const directories: Array<string> = []
  const stop = async (): Promise<void> => {
    await Promise.allSettled(nodes.map((node) => node.stop()))
    await nats.stop()
    for (const directory of directories) rmSync(directory, { recursive: true, force: true })
  }
  try {
    for (let index = 1; index <= options.nodes; index++) {
      const name = `n${index}`
      const directory = mkdtempSync(join(tmpdir(), `xmpp-amp-${name}-`))
      directories.push(directory)
      const input = options.config ?? {}
      nodes.push(
        await startTestServerIn(directory, {
          config: {
            ...input,
            storage: { backend: "postgres", url },
            cluster: { enabled: true, node: name, nats: [nats.url] },
          },
          ...(options.logger === undefined ? {} : { logger: options.logger(name) }),
        }),
      )
    }
  } catch (error) {
    await stop()
    throw error
  }
  return { nats, nodes, stop }
}
