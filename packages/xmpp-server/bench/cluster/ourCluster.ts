// Our server as a cluster for the cluster bench (issue 23 item 5): N nodes from the built CLI
// (bench/benchServer.ts), all on one PostgreSQL database (`[storage] backend = "postgres"`)
// and one private nats-server (bench/cluster/privateNats.ts), each with
// `[cluster] enabled = true`, its own node name and c2s port. MAM is off and the AMP module on,
// as in the other benches' routing loads. `pin` moves a running process (all its threads) to
// other cores, so the same nodes serve the all-on-one-core rounds and the one-core-per-node run.
import { spawnSync } from "node:child_process"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { type BenchServer, type BenchStorage, startBenchServer } from "../benchServer.js"
import { killQuietly } from "../peers/ServerProcess.js"
import { type PrivateNats, startPrivateNats } from "./privateNats.js"

/** A running cluster of ours. */
export interface OurCluster {
  readonly name: string
  readonly nodes: ReadonlyArray<BenchServer>
  readonly nats: PrivateNats
  readonly stop: () => Promise<void>
}

/** How to start one. */
export interface OurClusterOptions {
  /** A name for its directories and configs, e.g. "2 nodes". */
  readonly name: string
  /** A fresh directory for the nodes' configs and data directories. */
  readonly directory: string
  readonly nodes: number
  /** The provisioned PostgreSQL database every node shares. */
  readonly storage: Extract<BenchStorage, { backend: "postgres" }>
  /** Cores for the nodes and nats-server as taskset takes them ("0"), or unpinned. */
  readonly cores?: string | undefined
  readonly code: "sources" | "built"
  /** Another build's `dist/cli.js` for every node (`--cluster-base-cli`). */
  readonly cli?: string | undefined
  readonly nodeArguments: ReadonlyArray<string>
  readonly logFile?: string | undefined
}

/** The `[cluster]` table of node `node`. */
export const clusterConfig = (node: string, natsUrl: string): ReadonlyArray<string> => [
  "[cluster]",
  "enabled = true",
  `node = ${JSON.stringify(node)}`,
  `nats = [${JSON.stringify(natsUrl)}]`,
]

/** Moves `pid` and all its threads to `cores` (taskset's list form, e.g. "1" or "0,1"). */
export const pin = (pid: number, cores: string): void => {
  const result = spawnSync("taskset", ["-a", "-p", "-c", cores, String(pid)], {
    encoding: "utf8",
  })
  if (result.status !== 0)
    throw new Error(`taskset could not pin ${pid} to ${cores}: ${result.stderr}`)
}

/** Starts nats-server, then the nodes one after another (each migrates under the database lock). */
export const startOurCluster = async (options: OurClusterOptions): Promise<OurCluster> => {
  const nats = await startPrivateNats(options.cores)
  const nodes: Array<BenchServer> = []
  // A bench that exits early (SIGINT, a failure) takes the nodes with it (nats-server has its own hook).
  const kill = () => {
    for (const node of nodes) killQuietly(node.pid)
  }
  process.once("exit", kill)
  const stop = async () => {
    process.off("exit", kill)
    await Promise.all(nodes.map((node) => node.stop()))
    await nats.stop()
  }
  try {
    for (let index = 0; index < options.nodes; index++) {
      const node = `n${index + 1}`
      const directory = join(options.directory, node)
      mkdirSync(join(directory, "data"), { recursive: true })
      nodes.push(
        await startBenchServer({
          directory,
          name: `${options.name.replaceAll(" ", "-")}-${node}`,
          archive: false,
          ampModule: true,
          code: options.code,
          cli: options.cli,
          core: options.cores,
          nodeArguments: options.nodeArguments,
          logFile: options.logFile,
          storage: options.storage,
          extraConfig: clusterConfig(node, nats.url),
        }),
      )
    }
    return { name: options.name, nodes, nats, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
