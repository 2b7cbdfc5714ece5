// A two-node (or larger) ejabberd cluster on loopback for the cluster bench (issue 23 item 5),
// from Debian's package, each node configured as bench/peers/Ejabberd.ts configures one server
// (its own c2s port, Mnesia spool and logs under the bench's temporary directory). Clustering
// needs Erlang distribution: each node gets a long name `ejN@127.0.0.1`, the same random cookie,
// distribution bound to 127.0.0.1 (`inet_dist_use_interface`), and a private epmd on a free
// port of 127.0.0.1 (ERL_EPMD_PORT) that the bench starts in the foreground and stops itself,
// so nothing outlives the run and the machine's own epmd (port 4369) is not touched. Nodes 2 …
// N then join node 1 as `ejabberdctl join_cluster` does: `ejabberd_admin:join_cluster/1` run on
// the joining node, here over rpc from a hidden control node (ejabberdctl itself would switch to
// the ejabberd user and read /etc/ejabberd). Accounts registered afterwards are in the shared
// Mnesia tables of every node.
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdirSync, writeFileSync } from "node:fs"
import { connect } from "node:net"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { configText, ejabberdLibraries } from "../peers/Ejabberd.js"
import {
  freePort,
  killQuietly,
  type RunningServer,
  startServer,
  stopChild,
} from "../peers/ServerProcess.js"

/** A running ejabberd cluster. */
export interface EjabberdCluster {
  /** The nodes in order, node 1 first (pids of their beam.smp, c2s ports). */
  readonly nodes: ReadonlyArray<RunningServer>
  /** What `ejabberd_cluster:get_nodes()` answered on node 1 once all had joined. */
  readonly members: string
  readonly stop: () => Promise<void>
}

const nodeName = (index: number) => `ej${index + 1}@127.0.0.1`

/** The Erlang flags every node (and the control node) shares. */
const distributionFlags = (cookie: string): ReadonlyArray<string> => [
  "-setcookie",
  cookie,
  "-start_epmd",
  "false",
  "-kernel",
  "inet_dist_use_interface",
  "{127,0,0,1}",
]

const listening = async (port: number, seconds: number): Promise<boolean> => {
  for (let attempt = 0; attempt < seconds * 10; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port })
      socket.once("connect", () => {
        socket.destroy()
        resolve(true)
      })
      socket.once("error", () => resolve(false))
    })
    if (open) return true
    await sleep(100)
  }
  return false
}

/** The private epmd, in the foreground so the bench holds its pid. */
const startEpmd = async (): Promise<{ port: number; child: ChildProcess }> => {
  const port = await freePort()
  const child = spawn("epmd", ["-address", "127.0.0.1", "-port", String(port)], {
    stdio: ["ignore", "pipe", "pipe"],
  })
  if (!(await listening(port, 10))) {
    await stopChild(child)
    throw new Error(`epmd did not listen on 127.0.0.1:${port} within 10 s`)
  }
  return { port, child }
}

/** Runs `expression` on a hidden control node and answers what it printed. */
const control = (epmdPort: number, cookie: string, expression: string): string => {
  const result = spawnSync(
    "erl",
    [
      "-noinput",
      "-hidden",
      "-name",
      `ctl${process.pid}@127.0.0.1`,
      ...distributionFlags(cookie),
      "-eval",
      `${expression}, halt().`,
    ],
    {
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, ERL_EPMD_PORT: String(epmdPort), ERL_CRASH_DUMP_BYTES: "0" },
    },
  )
  return `${result.stdout}${result.stderr}${result.error?.message ?? ""}`.trim()
}

/**
 * Starts `count` nodes in `directory`, pinned to `core`, and joins them into one cluster.
 * Throws with the reason (and stops what it started) when a node does not start or join.
 */
export const startEjabberdCluster = async (
  directory: string,
  count: number,
  core: number,
): Promise<EjabberdCluster> => {
  const cookie = randomBytes(12).toString("hex")
  const epmd = await startEpmd()
  const nodes: Array<RunningServer> = []
  // A bench that exits early (SIGINT, a failure) takes the nodes and epmd with it.
  const kill = () => {
    for (const node of nodes) killQuietly(node.pid)
    epmd.child.kill("SIGKILL")
  }
  process.once("exit", kill)
  const stop = async () => {
    process.off("exit", kill)
    await Promise.all(nodes.map((node) => node.stop()))
    await stopChild(epmd.child)
  }
  try {
    const inetrc = join(directory, "inetrc")
    mkdirSync(directory, { recursive: true })
    writeFileSync(inetrc, '{lookup,["file","native"]}.\n{host,{127,0,0,1}, ["localhost"]}.\n')
    for (let index = 0; index < count; index++) {
      const home = join(directory, `node${index + 1}`)
      const spool = join(home, "spool")
      mkdirSync(spool, { recursive: true })
      mkdirSync(join(home, "logs"), { recursive: true })
      const port = await freePort()
      const configFile = join(home, "ejabberd.yml")
      writeFileSync(configFile, configText(port))
      nodes.push(
        await startServer(
          {
            name: `ejabberd ${nodeName(index)}`,
            command: "erl",
            args: [
              ...["+K", "true", "-noinput", "-name", nodeName(index)],
              ...distributionFlags(cookie),
              ...["-mnesia", "dir", JSON.stringify(spool), "-s", "ejabberd"],
            ],
            cwd: spool,
            env: {
              ...process.env,
              EJABBERD_CONFIG_PATH: configFile,
              EJABBERD_LOG_PATH: join(home, "logs", "ejabberd.log"),
              ERL_LIBS: ejabberdLibraries(),
              ERL_INETRC: inetrc,
              ERL_EPMD_PORT: String(epmd.port),
              ERL_CRASH_DUMP_BYTES: "0",
            },
            core,
          },
          port,
        ),
      )
    }
    for (let index = 1; index < count; index++) {
      const answer = control(
        epmd.port,
        cookie,
        `io:format("~p~n", [rpc:call('${nodeName(index)}', ejabberd_admin, join_cluster, [<<"${nodeName(0)}">>], 90000)])`,
      )
      if (!/^ok$/m.test(answer))
        throw new Error(`ejabberd ${nodeName(index)} could not join ${nodeName(0)}: ${answer}`)
    }
    const members = control(
      epmd.port,
      cookie,
      `io:format("~p~n", [rpc:call('${nodeName(0)}', ejabberd_cluster, get_nodes, [])])`,
    )
    const missing = nodes.filter((_, index) => !members.includes(nodeName(index)))
    if (missing.length > 0)
      throw new Error(`the ejabberd cluster has not every node after joining: ${members}`)
    // join_cluster restarts ejabberd on the joining node: wait until every node listens again.
    for (const node of nodes)
      if (!(await listening(node.port, 60)))
        throw new Error(`${node.name} did not accept connections again after joining`)
    return { nodes, members, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
