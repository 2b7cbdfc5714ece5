// Runs bench/loadGenerator.ts as its own process, optionally pinned to one core, against a
// server (ours or the relay baseline) and returns its one JSON line of results.
import { spawn } from "node:child_process"
import { createRequire } from "node:module"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import type { Placement } from "./cluster/placement.js"
import type { LoadResult } from "./runLoad.js"
import type { AmpBenchRule } from "./xmppClient.js"

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href

/** The load: who logs in, how many messages at what rate, and what to measure. */
export interface GeneratorLoad {
  readonly protocol: "xmpp" | "relay"
  readonly port: number
  readonly serverPid: number
  readonly usersPrefix: string
  readonly password: string
  readonly clients: number
  readonly messagesPerClient: number
  readonly ratePerClient: number
  readonly window: number
  readonly mechanism: string
  readonly tls: string
  readonly amp?: AmpBenchRule | undefined
  readonly sm?: boolean | undefined
  /** Pin the generator to this core, if given. */
  readonly core?: number | undefined
  /** Mark the exchange for the server's heap meter with SIGUSR2 (bench/heapMeter.mjs). */
  readonly signalServer?: boolean | undefined
  /** Mark the exchange with SIGUSR2 for these processes' heap meters instead (cluster nodes). */
  readonly signalPids?: ReadonlyArray<number> | undefined
  /** Seconds of quiet before each memory figure (runLoad.ts); the generator's default if absent. */
  readonly settleSeconds?: number | undefined
  readonly timeoutSeconds?: number | undefined
  /** p99 per slice of this many seconds (cold starts). */
  readonly sliceSeconds?: number | undefined
  /** Each client sends to `${usersPrefix}-offline-N`, never logged in (needs `amp: "stored"`). */
  readonly offlineRecipients?: boolean | undefined
  /** A PostgreSQL postmaster's pid, whose CPU (with its children's) the generator reports. */
  readonly databasePid?: number | undefined
  /** Cluster nodes: client N logs in to `ports[N % ports.length]` instead of `port`. */
  readonly ports?: ReadonlyArray<number> | undefined
  /** Cluster nodes: whom each client sends to (bench/cluster/placement.ts). */
  readonly placement?: Placement | undefined
  /** Processes whose CPU over the exchange the generator reports (nodes, nats-server). */
  readonly cpuPids?: ReadonlyArray<number> | undefined
}

/** Runs the generator to completion; throws with its output if it printed no result. */
export const runGeneratorProcess = async (load: GeneratorLoad): Promise<LoadResult> => {
  const nodeCommand = [
    process.execPath,
    "--conditions=@xmpp-amp/source",
    "--import",
    tsxLoader,
    join(import.meta.dirname, "loadGenerator.ts"),
    ...["--protocol", load.protocol, "--port", String(load.port)],
    ...["--server-pid", String(load.serverPid)],
    ...["--domain", "localhost", "--users-prefix", load.usersPrefix, "--password", load.password],
    ...["--clients", String(load.clients), "--messages", String(load.messagesPerClient)],
    ...["--rate", String(load.ratePerClient), "--window", String(load.window)],
    ...["--mechanism", load.mechanism],
    ...(load.protocol === "xmpp" ? ["--tls", load.tls] : []),
    ...(load.amp === undefined ? [] : ["--amp-rule", load.amp]),
    ...(load.sm === true ? ["--sm"] : []),
    ...(load.signalServer === true ? ["--signal-server"] : []),
    ...(load.signalPids === undefined || load.signalPids.length === 0
      ? []
      : ["--signal-pids", load.signalPids.join(",")]),
    ...(load.settleSeconds === undefined ? [] : ["--settle-seconds", String(load.settleSeconds)]),
    ...(load.timeoutSeconds === undefined
      ? []
      : ["--timeout-seconds", String(load.timeoutSeconds)]),
    ...(load.sliceSeconds === undefined ? [] : ["--slice-seconds", String(load.sliceSeconds)]),
    ...(load.offlineRecipients === true ? ["--offline-recipients"] : []),
    ...(load.databasePid === undefined ? [] : ["--database-pid", String(load.databasePid)]),
    ...(load.ports === undefined ? [] : ["--ports", load.ports.join(",")]),
    ...(load.placement === undefined ? [] : ["--placement", load.placement]),
    ...(load.cpuPids === undefined || load.cpuPids.length === 0
      ? []
      : ["--cpu-pids", load.cpuPids.join(",")]),
  ]
  const [command = process.execPath, ...args] =
    load.core === undefined ? nodeCommand : ["taskset", "-c", String(load.core), ...nodeCommand]
  const generator = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] })
  // A bench that exits early (SIGINT) takes its generator with it.
  const kill = () => generator.kill("SIGKILL")
  process.once("exit", kill)
  let stdout = ""
  let stderr = ""
  generator.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  generator.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  await new Promise((resolve) => generator.once("exit", resolve))
  process.off("exit", kill)
  const line = stdout.trim().split("\n").pop() ?? ""
  if (!line.startsWith("{"))
    throw new Error(`the ${load.protocol} load generator failed:\n${stdout}${stderr}`)
  return JSON.parse(line) as LoadResult
}
