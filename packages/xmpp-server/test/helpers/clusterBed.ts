// A cluster on loopback for the cluster tests (issue 23, spec/cluster.md): one private
// nats-server (test/helpers/natsServer.ts), one fresh database in the run's private PostgreSQL
// (test/helpers/testStorage.ts: the bed works in the `postgres` vitest project only) and N
// server processes started through the CLI (test/crash/cliServer.ts), named n1..nN, each with
// its own data_dir and fixed c2s, websocket and component ports, so that a node killed and
// started again keeps its name and ports. Every process inherits this process's environment
// (the run marker of scripts/leftover-processes.mjs); `stop()` ends them all.
//
// Example:
//   const bed = await startClusterBed({ nodes: 2, users: { names: ["alice", "bob"], password: "pw" } })
//   afterAll(() => bed.stop())
//   const alice = await connectClient(bed.node("n1").client("alice", "pw"))
import { setTimeout as sleep } from "node:timers/promises"
import type { StorageBackend } from "../../src/storage/repositories/StorageBackend.js"
import { type CliServer, type CrashBed, crashBed } from "../crash/cliServer.js"
import { freePort } from "./freePort.js"
import { type PrivateNats, startNats } from "./natsServer.js"
import type { RawConnection } from "./rawSocket.js"
import { freshPostgresDatabase } from "./testStorage.js"
import type { ConnectOptions } from "./xmppClient.js"

/** One JSON log line of a node (src/log/Logger.ts): `event`, `level`, `time` and fields. */
export interface NodeLogLine {
  readonly event: string
  readonly level: string
  readonly [field: string]: unknown
}

/** How a node process ended. */
export interface NodeExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** One node of the bed. */
export interface ClusterNode {
  /** `[cluster] node`: "n1", "n2", … */
  readonly name: string
  readonly ports: { readonly c2s: number; readonly websocket: number; readonly component: number }
  /** `xmpp://127.0.0.1:C2S`, for @xmpp/client. */
  readonly service: string
  /** `ws://127.0.0.1:WEBSOCKET/xmpp-websocket`. */
  readonly websocketUrl: string
  readonly dataDir: string
  /** Connect options for @xmpp/client's `connectClient` on this node (domain localhost). */
  client(username: string, password: string, resource?: string): ConnectOptions
  /** Whether the process runs. */
  running(): boolean
  /** The process id while it runs. */
  pid(): number | undefined
  /** Starts the process (again), same name, ports and data_dir; resolves once it listens. */
  start(): Promise<void>
  /** Ends the process with SIGKILL (default) or SIGTERM (graceful stop) and waits for it. */
  kill(signal?: "SIGKILL" | "SIGTERM"): Promise<NodeExit>
  /** Everything the current (or last) run wrote to stderr: JSON log lines and any other text. */
  log(): string
  /** The current run's JSON log lines, optionally only those of one event. */
  events(event?: string): ReadonlyArray<NodeLogLine>
  /** Resolves with the `count`-th line of `event` in the current run (default: the first). */
  waitForEvent(
    event: string,
    options?: { readonly count?: number; readonly timeoutMs?: number },
  ): Promise<NodeLogLine>
  /** The stderr of every earlier run of this node, oldest first. */
  earlierLogs(): ReadonlyArray<string>
}

/** The bed. */
export interface ClusterBed {
  readonly nats: PrivateNats
  /** The one database every node stores in. */
  readonly databaseUrl: string
  readonly nodes: ReadonlyArray<ClusterNode>
  /** The node called `name` ("n1"…); throws for an unknown one. */
  node(name: string): ClusterNode
  /** Creates accounts once, in the shared database (works whether nodes run or not). */
  addUsers(names: ReadonlyArray<string>, password: string): Promise<void>
  /** Runs `work` on the shared database, opened a second time, closed afterwards. */
  withBackend<A>(work: (backend: StorageBackend) => Promise<A>): Promise<A>
  /** Closes `connection` at `stop()` (a raw stream a test opened); returns it. */
  track<C extends RawConnection>(connection: C): C
  /**
   * Closes the tracked connections, ends every node (SIGTERM, SIGKILL after 10 s), removes
   * their directories, stops NATS.
   */
  stop(): Promise<void>
}

/** What `startClusterBed` builds. */
export interface ClusterBedOptions {
  /** How many nodes, n1..nN: 2 or 3 in the tests (at most 8). */
  readonly nodes: number
  /** Start them (together: migrations run under the database lock); default true. */
  readonly start?: boolean
  /**
   * Accounts created in the shared database before the nodes start (a running node learns
   * accounts only through its own creates).
   */
  readonly users?: { readonly names: ReadonlyArray<string>; readonly password: string }
  /** TOML appended to every node's config (modules, components; not [server], [listen], [storage], [cluster]). */
  readonly extraToml?: ReadonlyArray<string>
  /** TOML for one node only, appended after `extraToml`. */
  readonly nodeToml?: (name: string) => ReadonlyArray<string>
  /** Lines of every node's `[server]` table; default `shutdown_grace_seconds = 1`. */
  readonly serverToml?: ReadonlyArray<string>
}

const parseLines = (text: string): ReadonlyArray<NodeLogLine> =>
  text.split("\n").flatMap((line) => {
    if (!line.startsWith("{")) return []
    try {
      const parsed = JSON.parse(line) as NodeLogLine
      return typeof parsed.event === "string" ? [parsed] : []
    } catch {
      return []
    }
  })

const exitOf = (child: CliServer["child"]): Promise<NodeExit> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve({ code: child.exitCode, signal: child.signalCode })
    : new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })))

interface NodeControl extends ClusterNode {
  readonly bed: CrashBed
}

const makeNode = async (
  name: string,
  nats: PrivateNats,
  databaseUrl: string,
  options: ClusterBedOptions,
): Promise<NodeControl> => {
  const ports = { c2s: await freePort(), websocket: await freePort(), component: await freePort() }
  const bed = crashBed(
    [
      "[cluster]",
      "enabled = true",
      `node = ${JSON.stringify(name)}`,
      `nats = [${JSON.stringify(nats.url)}]`,
      ...(options.extraToml ?? []),
      ...(options.nodeToml?.(name) ?? []),
    ],
    {
      ports,
      databaseUrl,
      serverToml: options.serverToml ?? ["shutdown_grace_seconds = 1"],
    },
  )
  let server: CliServer | undefined
  let stderr = ""
  const earlier: Array<string> = []
  const running = () =>
    server !== undefined && server.child.exitCode === null && server.child.signalCode === null
  const node: NodeControl = {
    name,
    ports,
    service: `xmpp://127.0.0.1:${ports.c2s}`,
    websocketUrl: `ws://127.0.0.1:${ports.websocket}/xmpp-websocket`,
    dataDir: bed.dataDir,
    client: (username, password, resource) => ({
      service: `xmpp://127.0.0.1:${ports.c2s}`,
      domain: "localhost",
      username,
      password,
      ...(resource === undefined ? {} : { resource }),
    }),
    running,
    pid: () => (running() ? server?.child.pid : undefined),
    start: async () => {
      if (running()) throw new Error(`node ${name} runs already`)
      if (server !== undefined) earlier.push(stderr)
      stderr = ""
      server = undefined
      const started = await bed.start()
      server = started
      stderr = started.earlyStderr
      // Attached in the same turn as start resolved: nothing written meanwhile is missed.
      started.child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString()
      })
    },
    kill: async (signal = "SIGKILL") => {
      const current = server
      if (current === undefined) throw new Error(`node ${name} never started`)
      const exited = exitOf(current.child)
      current.child.kill(signal)
      // A graceful stop that hangs is a failure to see, not to wait for forever.
      const timer = setTimeout(() => current.child.kill("SIGKILL"), 10_000)
      const exit = await exited
      clearTimeout(timer)
      return exit
    },
    log: () => stderr,
    events: (event) =>
      parseLines(stderr).filter((line) => event === undefined || line.event === event),
    waitForEvent: async (event, { count = 1, timeoutMs = 20_000 } = {}) => {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const found = node.events(event)[count - 1]
        if (found !== undefined) return found
        if (Date.now() > deadline)
          throw new Error(
            `node ${name}: no ${count}. "${event}" within ${timeoutMs} ms; its log:\n${stderr.slice(-3000)}`,
          )
        await sleep(50)
      }
    },
    earlierLogs: () => [...earlier],
    bed,
  }
  return node
}

/**
 * Starts NATS, a fresh shared database and `nodes` nodes. Example:
 * `const bed = await startClusterBed({ nodes: 3 }); afterAll(() => bed.stop())`.
 */
export const startClusterBed = async (options: ClusterBedOptions): Promise<ClusterBed> => {
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > 8)
    throw new Error(`a cluster bed has 1 to 8 nodes, not ${options.nodes}`)
  const nats = await startNats()
  const nodes: Array<NodeControl> = []
  const open: Array<RawConnection> = []
  const stop = async (): Promise<void> => {
    for (const connection of open) connection.destroy()
    await Promise.all(
      nodes.map(async (node) => {
        if (node.running()) await node.kill("SIGTERM")
      }),
    )
    for (const node of nodes) node.bed.cleanup()
    await nats.remove()
  }
  try {
    const databaseUrl = await freshPostgresDatabase()
    for (let index = 1; index <= options.nodes; index++)
      nodes.push(await makeNode(`n${index}`, nats, databaseUrl, options))
    // Any node's crash bed opens the shared database (they all name the same one).
    const shared = nodes[0]?.bed
    if (shared === undefined) throw new Error("a cluster bed needs nodes")
    if (options.users !== undefined)
      await shared.addUsers(options.users.names, options.users.password)
    if (options.start !== false) await Promise.all(nodes.map((node) => node.start()))
    return {
      nats,
      databaseUrl,
      nodes,
      node: (name) => {
        const found = nodes.find((node) => node.name === name)
        if (found === undefined) throw new Error(`no node ${name} in this bed`)
        return found
      },
      addUsers: (names, password) => shared.addUsers(names, password),
      withBackend: (work) => shared.withBackend(work),
      track: (connection) => {
        open.push(connection)
        return connection
      },
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}
