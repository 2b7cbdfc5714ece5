// Nodes on one shared PostgreSQL for the durable-side cluster tests (spec/cluster.md
// guarantees 2 and 5): a private PostgreSQL (whichever vitest project runs the file), one
// database, nodes as CLI processes (SIGKILL-able, test/crash/cliServer.ts) or in this process,
// each a cluster node with its own name. Nodes that must not know of each other use separate
// private nats-servers, so a cluster's own node-death handling never runs in these tests.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createUserRecord, type RunningServer } from "../../src/index.js"
import { openPostgresBackend } from "../../src/storage/postgres/PostgresBackend.js"
import type { StorageBackend } from "../../src/storage/repositories/StorageBackend.js"
import { type CliServer, type CrashBed, crashBed } from "../crash/cliServer.js"
import { type PrivateNats, startNats } from "../helpers/natsServer.js"
import { type PrivatePostgres, startPrivatePostgres } from "../helpers/privatePostgres.js"
import { startTestServerIn, type TestServer } from "../helpers/testServer.js"
import { expectValue } from "../storage/repositories/backendMatrix.js"

/** The shared database, the NATS servers, and every node started on them. */
export interface DurableBed {
  readonly url: string
  /** Creates accounts (password `${name}-pass`), before the nodes start. */
  addUsers(names: ReadonlyArray<string>): Promise<void>
  /** Runs `work` on the shared database from a backend of its own. */
  withBackend<A>(work: (backend: StorageBackend) => Promise<A>): Promise<A>
  /** A node as a CLI process on NATS server `nats` (0 or 1), with `toml` lines added. */
  startProcess(node: string, nats: 0 | 1, toml?: ReadonlyArray<string>): Promise<CliServer>
  /** A node in this process. */
  startInProcess(
    node: string,
    nats: 0 | 1,
    modules?: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
  ): Promise<TestServer & { readonly server: RunningServer }>
  stop(): Promise<void>
}

/** Starts PostgreSQL (one database) and two nats-servers. */
export const startDurableBed = async (): Promise<DurableBed> => {
  const postgres: PrivatePostgres = await startPrivatePostgres()
  const nats: Array<PrivateNats> = []
  const beds: Array<CrashBed> = []
  const servers: Array<TestServer> = []
  const directories: Array<string> = []
  try {
    nats.push(await startNats(), await startNats())
  } catch (error) {
    for (const server of nats) await server.remove()
    postgres.stop()
    throw error
  }
  const url = await postgres.createDatabase("durable")
  const natsUrl = (index: 0 | 1) => nats[index]?.url ?? ""
  const withBackend = async <A>(work: (backend: StorageBackend) => Promise<A>): Promise<A> => {
    const backend = expectValue(await openPostgresBackend({ url, poolSize: 2 }))
    try {
      return await work(backend)
    } finally {
      await backend.close()
    }
  }
  return {
    url,
    addUsers: (names) =>
      withBackend(async (backend) => {
        for (const name of names)
          expectValue(await backend.accounts.create(createUserRecord(name, `${name}-pass`)))
      }),
    withBackend,
    startProcess: (node, index, toml = []) => {
      // The bed writes `[storage]` for the shared database (in either vitest project).
      const bed = crashBed(
        [
          "[cluster]",
          "enabled = true",
          `node = ${JSON.stringify(node)}`,
          `nats = [${JSON.stringify(natsUrl(index))}]`,
          ...toml,
        ],
        { databaseUrl: url },
      )
      beds.push(bed)
      return bed.start()
    },
    startInProcess: async (node, index, modules = {}) => {
      const directory = mkdtempSync(join(tmpdir(), "xmpp-amp-durable-"))
      directories.push(directory)
      const server = await startTestServerIn(directory, {
        config: {
          storage: { backend: "postgres", url },
          cluster: { enabled: true, node, nats: [natsUrl(index)] },
          listen: { c2s: { tls: "optional", allow_plain_without_tls: true } },
          modules,
        },
      })
      servers.push(server)
      return server
    },
    stop: async () => {
      for (const server of servers) await server.stop().catch(() => undefined)
      for (const bed of beds) bed.cleanup()
      for (const directory of directories) rmSync(directory, { recursive: true, force: true })
      for (const server of nats) await server.remove()
      postgres.stop()
    },
  }
}
