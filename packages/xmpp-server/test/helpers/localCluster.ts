// Several cluster nodes inside the test process (spec/cluster.md): each a real server with its
// own listeners and data_dir, all on one fresh PostgreSQL database of the run's private
// PostgreSQL and one private nats-server. For guarantees that need a node to die by SIGKILL,
// test/helpers/clusterBed.ts starts nodes as processes instead.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { ConfigInput, Logger, ServerModule } from "../../src/index.js"
import { type PrivateNats, startNats } from "./natsServer.js"
import { startTestServerIn, type TestServer } from "./testServer.js"
import { freshPostgresDatabase } from "./testStorage.js"

/** Nodes of one cluster, started in this process. */
export interface LocalCluster {
  readonly nats: PrivateNats
  readonly nodes: ReadonlyArray<TestServer>
  /** Starts one more node (named after the count, n3 after n2), joining the running ones. */
  addNode(): Promise<TestServer>
  /** Stops every node, then NATS, and removes the data directories. */
  stop(): Promise<void>
}

/** Options of `startLocalCluster`. */
export interface LocalClusterOptions {
  readonly nodes: number
  readonly config?: ConfigInput
  readonly logger?: (node: string) => Logger
  /** Extra modules of each node (by node name), e.g. a recorder of module hooks. */
  readonly modules?: (node: string) => ReadonlyArray<ServerModule>
}

/** Starts `nodes` nodes named n1, n2, … sharing a fresh database and a private NATS. */
export const startLocalCluster = async (options: LocalClusterOptions): Promise<LocalCluster> => {
  const nats = await startNats()
  const url = await freshPostgresDatabase()
  const nodes: Array<TestServer> = []
  const directories: Array<string> = []
  const stop = async (): Promise<void> => {
    await Promise.allSettled(nodes.map((node) => node.stop()))
    await nats.remove()
    for (const directory of directories) rmSync(directory, { recursive: true, force: true })
  }
  const addNode = async (): Promise<TestServer> => {
    const name = `n${nodes.length + 1}`
    const directory = mkdtempSync(join(tmpdir(), `xmpp-amp-${name}-`))
    directories.push(directory)
    const input = options.config ?? {}
    const node = await startTestServerIn(directory, {
      config: {
        ...input,
        storage: { backend: "postgres", url },
        cluster: { enabled: true, node: name, nats: [nats.url] },
      },
      ...(options.logger === undefined ? {} : { logger: options.logger(name) }),
      ...(options.modules === undefined ? {} : { modules: options.modules(name) }),
    })
    nodes.push(node)
    return node
  }
  try {
    for (let index = 1; index <= options.nodes; index++) await addNode()
  } catch (error) {
    await stop()
    throw error
  }
  return { nats, nodes, stop, addNode }
}
