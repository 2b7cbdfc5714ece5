// `npm run bench` (issue 4 item 10): provisions N accounts, starts the reference server as a
// child process through its CLI, drives it with the load generator in another process (once
// with the MAM archive off, once on as by default), does the same against a plain TCP relay
// as the baseline, and prints all of them with their ratios to the baseline.
// `--amp` (issue 24): four loads (AMP off; `<amp/>` bytes with the module off; a rule that never
// fires; `deliver=direct notify`), each on its own server process, in `--rounds` interleaved
// rounds with the server pinned to one core and the generator to another: server CPU and V8
// heap bytes per message (measured inside the server) and p50/p99, as the median round with
// its spread and as per-round ratios to AMP off (bench/ampRounds.ts); then `--sandwiches` short
// runs of each AMP load, each between two AMP-off runs, for a CPU ratio with a confidence
// interval that settles on a VM whose speed drifts (bench/cpuSandwich.ts).
// `--cold` (issue 24): the server started and loaded at once, cold p99 next to warm
// (bench/coldStart.ts). `--sm`: plain clients against XEP-0198 clients (each message then has an
// `sm_pending` row until its recipient acknowledges it).
// `--storage` (issue 22 item 7): SQLite against PostgreSQL (a private one, durable, started and
// stopped by the bench) from the built server, each load on its own server process in
// `--rounds` interleaved rounds: routing with MAM off, an offline-heavy load (`--offline-messages`
// per client to accounts that never log in, timed by their `deliver=stored notify` reply) and a
// MAM-heavy load (msgs/s, server and database CPU per message, p50/p99), and `adduser
// --from-file` of `--adduser-accounts` accounts (wall time); a table per backend and PostgreSQL ÷
// SQLite of the same round (bench/storageRounds.ts). `--storage-backends sqlite` runs one only.
//   npm run bench -- --clients 200 --messages 100 --rate 50 --window 10 --mechanism SCRAM-SHA-1 --tls off
// `--cluster` (issue 23 item 5): our server as 1 node and as a 2-node cluster (a private
// PostgreSQL and nats-server), and a 2-node ejabberd cluster, in interleaved rounds: CPU per
// message (nodes + nats-server + PostgreSQL) and p50/p99 at 2,000 msgs/s, same-node against
// cross-node; the nodes pinned to a core each at saturation; a scaling table for 1/2/4/8 nodes
// computed from the measured costs (bench/cluster/clusterRounds.ts).
//   npm run bench -- --amp --rounds 5
//   npm run bench -- --amp --rounds 5 --sandwiches 15 --sandwich-messages 50   # the CPU ratio that settles
//   npm run bench -- --amp --rounds 1 --sandwiches 0 --clients 50              # a quick heap check
//   npm run bench -- --cluster --rounds 3 --rate 25
//   npm run bench -- --cluster --rounds 1 --cluster-placements same --cluster-servers ours
//   npm run bench -- --cluster --rounds 3 --cluster-servers ours --cluster-parts cpu   # (a) only
//   npm run bench -- --cluster --cluster-servers ours --cluster-parts cpu --cluster-placements same,cross \
//     --cluster-base-cli ../base/packages/xmpp-server/dist/cli.js   # before/after in the same rounds
//   npm run bench -- --cluster --cluster-servers ours --cluster-parts latency --cluster-latency-cores per-node
//     # (b) only, a core per node (how the p99 target is judged; "shared": all on core 0, as (a))
//   npm run bench -- --cold --cold-rate 2000 --cold-clients 1000 --cold-seconds 60 --cold-runs 3
//   npm run bench -- --sm
//   npm run bench -- --storage --rounds 5 --adduser-accounts 1000 --offline-messages 20
//   npm run bench -- --storage --clients 20 --messages 20 --rounds 1 --storage-backends sqlite --code sources
//   npm run bench -- --amp --server-node-options="--cpu-prof --cpu-prof-dir=/tmp/profiles"
//   BENCH_HEAP_PROFILE_DIR=/tmp/heap npm run bench -- --amp   # sampling heap profile per window
//   BENCH_SERVER_LOG=/tmp/server.log npm run bench -- --server-node-options=--trace-gc
import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { availableParallelism, tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { AMP_LOADS, runAmpRounds } from "./ampRounds.js"
import { startBenchServer } from "./benchServer.js"
import { runClusterBench } from "./cluster/clusterRounds.js"
import { LATENCY_LAYOUTS } from "./cluster/latencyLayout.js"
import { PLACEMENTS } from "./cluster/placement.js"
import { runColdStart } from "./coldStart.js"
import { type GeneratorLoad, runGeneratorProcess } from "./generatorProcess.js"
import { provisionOurUsers } from "./peers/OurServer.js"
import { formatComparison } from "./report.js"
import type { LoadResult } from "./runLoad.js"
import { runStorageRounds } from "./storageRounds.js"
import type { AmpBenchRule } from "./xmppClient.js"

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "200" },
    messages: { type: "string", default: "100" },
    rate: { type: "string", default: "50" },
    window: { type: "string", default: "10" },
    mechanism: { type: "string", default: "SCRAM-SHA-1" },
    tls: { type: "string", default: "off" },
    amp: { type: "boolean", default: false },
    sm: { type: "boolean", default: false },
    cold: { type: "boolean", default: false },
    storage: { type: "boolean", default: false },
    "adduser-accounts": { type: "string", default: "1000" },
    "offline-messages": { type: "string", default: "20" },
    "storage-backends": { type: "string", default: "sqlite,postgres" },
    rounds: { type: "string", default: "5" },
    "amp-loads": { type: "string", default: AMP_LOADS.map((load) => load.key).join(",") },
    "warmup-messages": { type: "string", default: "20" },
    sandwiches: { type: "string", default: "15" },
    "sandwich-messages": { type: "string", default: "50" },
    "cold-rate": { type: "string", default: "2000" },
    "cold-clients": { type: "string", default: "1000" },
    "cold-seconds": { type: "string", default: "60" },
    "cold-runs": { type: "string", default: "3" },
    "cold-slice-seconds": { type: "string", default: "10" },
    cluster: { type: "boolean", default: false },
    "cluster-latency-rate": { type: "string", default: "2000" },
    "cluster-latency-seconds": { type: "string", default: "5" },
    "cluster-pinned-rounds": { type: "string", default: "3" },
    "cluster-saturation-messages": { type: "string", default: "100" },
    "cluster-placements": { type: "string", default: PLACEMENTS.join(",") },
    "cluster-servers": { type: "string", default: "ours,ejabberd" },
    "cluster-parts": { type: "string", default: "cpu,latency,pinned" },
    "cluster-latency-cores": { type: "string", default: LATENCY_LAYOUTS.join(",") },
    "cluster-base-cli": { type: "string" },
    code: { type: "string" },
    // `--no-pin` spelled as its own option: Node 20's parseArgs has no negated booleans.
    "no-pin": { type: "boolean", default: false },
    "server-node-options": { type: "string", default: "" },
  },
})

const positive = (name: string): number => {
  const text = values[name as keyof typeof values]
  const value = Number(text)
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a positive integer, got ${String(text)}`)
  return value
}

const nonNegative = (name: string): number => {
  const text = values[name as keyof typeof values]
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`--${name} must be a whole number (0 or more), got ${String(text)}`)
  return value
}

if ([values.amp, values.sm, values.cold, values.storage, values.cluster].filter(Boolean).length > 1)
  throw new Error(
    "--amp, --sm, --cold, --storage and --cluster are separate runs: give one of them",
  )
if (values.code !== undefined && values.code !== "sources" && values.code !== "built")
  throw new Error(`--code must be sources or built, got ${values.code}`)
if (values.cold && positive("cold-runs") < 2)
  throw new Error("--cold-runs must be at least 2: the first run is cold, the others warm")

/** `--storage-backends sqlite`: the backends of `--storage` (both for the ratios). */
const storageBackendsWanted = () => {
  const names = String(values["storage-backends"]).split(",").filter(Boolean)
  const backends = (["sqlite", "postgres"] as const).filter((name) => names.includes(name))
  if (backends.length === 0 || backends.length !== names.length)
    throw new Error(
      `--storage-backends must list sqlite, postgres or both, got ${String(values["storage-backends"])}`,
    )
  return backends
}

/** `--cluster-placements same,cross`: where recipients are (cross and uniform need routing). */
const clusterPlacementsWanted = () => {
  const names = String(values["cluster-placements"]).split(",").filter(Boolean)
  const placements = PLACEMENTS.filter((name) => names.includes(name))
  if (placements.length === 0 || placements.length !== names.length || !names.includes("same"))
    throw new Error(
      `--cluster-placements must list same and any of cross, uniform, got ${String(values["cluster-placements"])}`,
    )
  return placements
}

/** `--cluster-servers ours`: whose clusters `--cluster` measures. */
const clusterServersWanted = () => {
  const names = String(values["cluster-servers"]).split(",").filter(Boolean)
  const servers = (["ours", "ejabberd"] as const).filter((name) => names.includes(name))
  if (servers.length === 0 || servers.length !== names.length)
    throw new Error(
      `--cluster-servers must list ours, ejabberd or both, got ${String(values["cluster-servers"])}`,
    )
  return servers
}

/** `--cluster-parts cpu`: which measured parts of `--cluster` run ((a) CPU, (b) latency, (c) pinned). */
const clusterPartsWanted = () => {
  const names = String(values["cluster-parts"]).split(",").filter(Boolean)
  const parts = (["cpu", "latency", "pinned"] as const).filter((name) => names.includes(name))
  if (parts.length === 0 || parts.length !== names.length)
    throw new Error(
      `--cluster-parts must list some of cpu, latency, pinned, got ${String(values["cluster-parts"])}`,
    )
  return parts
}

/** `--cluster-latency-cores per-node`: the core layouts of (b) (per-node judges the p99 target). */
const clusterLatencyLayoutsWanted = () => {
  const names = String(values["cluster-latency-cores"]).split(",").filter(Boolean)
  const layouts = LATENCY_LAYOUTS.filter((name) => names.includes(name))
  if (layouts.length === 0 || layouts.length !== names.length)
    throw new Error(
      `--cluster-latency-cores must list per-node, shared or both, got ${String(values["cluster-latency-cores"])}`,
    )
  return layouts
}

/** `--cluster-base-cli DIR/dist/cli.js`: another build measured beside ours, as "base". */
const clusterBaseCli = () => {
  const cli = values["cluster-base-cli"]
  if (cli === undefined) return undefined
  if (!existsSync(cli)) throw new Error(`--cluster-base-cli: ${cli} does not exist`)
  return resolve(cli)
}

/** `--amp-loads plain,notify`: the loads of `--amp` to run (all four by default). */
const ampLoadsWanted = () => {
  const keys = String(values["amp-loads"]).split(",").filter(Boolean)
  const unknown = keys.filter((key) => !AMP_LOADS.some((load) => load.key === key))
  if (unknown.length > 0 || keys.length === 0)
    throw new Error(
      `--amp-loads must list some of ${AMP_LOADS.map((load) => load.key).join(", ")}, got ${String(values["amp-loads"])}`,
    )
  return AMP_LOADS.filter((load) => keys.includes(load.key))
}

const password = "bench-password"
const usersPrefix = "bench"
const clients = values.cold ? positive("cold-clients") : positive("clients")
/** `--server-node-options "--cpu-prof --cpu-prof-dir=/tmp/p"`: V8 flags for the server only. */
const serverNodeArguments = String(values["server-node-options"]).split(/\s+/).filter(Boolean)
const serverLog = process.env.BENCH_SERVER_LOG
const logFile = serverLog === undefined || serverLog === "" ? undefined : serverLog
/** `--amp`, `--cold` and `--storage` pin the server to core 0, the generator to core 1 (`--no-pin`: not). */
const pinned =
  (values.amp || values.cold || values.storage) && !values["no-pin"] && availableParallelism() >= 2
if ((pinned || values.cluster) && spawnSync("taskset", ["--version"]).error !== undefined)
  throw new Error(
    "--amp, --cold, --storage and --cluster pin the server and the generator with taskset (util-linux), which is not installed: install it (or give --no-pin, not for --cluster)",
  )
if (values.cluster && availableParallelism() < 2)
  throw new Error("--cluster pins two nodes to a core each: it needs at least 2 cores")
const serverCore = pinned ? 0 : undefined
const generatorCore = pinned ? 1 : undefined
/** The cold and storage modes run the built CLI as users do (tsx would transpile lazily loaded modules). */
const code = (values.code ??
  (values.cold || values.storage || values.cluster ? "built" : "sources")) as "sources" | "built"

/** The load of the default, `--amp` and `--sm` modes. */
const baseLoad = {
  usersPrefix,
  password,
  clients,
  messagesPerClient: positive("messages"),
  ratePerClient: positive("rate"),
  window: positive("window"),
  mechanism: String(values.mechanism),
  tls: String(values.tls),
  core: generatorCore,
} satisfies Partial<GeneratorLoad>

const measureRelay = async (): Promise<LoadResult> => {
  const relay = spawn(
    process.execPath,
    [...process.execArgv, join(import.meta.dirname, "relayServer.ts"), "127.0.0.1"],
    { stdio: ["ignore", "pipe", "pipe"] },
  )
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let output = ""
      relay.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString()
        const match = /listening (\d+)/.exec(output)
        if (match !== null) resolve(Number(match[1]))
      })
      relay.once("exit", (exitCode) => reject(new Error(`the relay exited with ${exitCode}`)))
    })
    return await runGeneratorProcess({
      ...baseLoad,
      protocol: "relay",
      port,
      serverPid: relay.pid ?? 0,
    })
  } finally {
    if (relay.exitCode === null) {
      const exited = new Promise((resolve) => relay.once("exit", resolve))
      relay.kill("SIGTERM")
      await exited
    }
  }
}

/** How the server runs and what the clients do (default and `--sm` modes). */
interface ServerRun {
  readonly archive: boolean
  readonly amp?: AmpBenchRule
  readonly sm?: boolean
}

/** One server process for one load. */
const measureServer = async (run: ServerRun): Promise<LoadResult> => {
  const server = await startBenchServer({
    directory,
    name: `${run.archive ? "archive" : "no-archive"}${run.sm === true ? "-sm" : ""}`,
    archive: run.archive,
    ampModule: true,
    code,
    nodeArguments: serverNodeArguments,
    logFile,
  })
  try {
    return await runGeneratorProcess({
      ...baseLoad,
      protocol: "xmpp",
      port: server.port,
      serverPid: server.pid,
      amp: run.amp,
      sm: run.sm,
    })
  } finally {
    await server.stop()
  }
}

/** The default run: the server with the MAM archive off and on. */
const compareArchive = async (): Promise<ReadonlyArray<LoadResult>> => {
  const baseline = await measureRelay()
  const routing = await measureServer({ archive: false })
  const archiving = await measureServer({ archive: true })
  process.stdout.write(
    formatComparison(
      [
        { name: "server, MAM off", result: routing },
        { name: "server, MAM on (default)", result: archiving },
      ],
      { name: "TCP relay baseline", result: baseline },
    ),
  )
  return [baseline, routing, archiving]
}

/**
 * `--sm`: the server with MAM off, plain clients against clients with XEP-0198 stream
 * management, whose every message costs an `sm_pending` insert and delete (crash safety, see
 * docs/reliability.md) plus the `<r/>`/`<a/>` exchange.
 */
const compareSm = async (): Promise<ReadonlyArray<LoadResult>> => {
  const baseline = await measureRelay()
  const plain = await measureServer({ archive: false })
  const managed = await measureServer({ archive: false, sm: true })
  process.stdout.write(
    formatComparison(
      [
        { name: "server, plain clients", result: plain },
        { name: "server, clients with XEP-0198", result: managed },
      ],
      { name: "TCP relay baseline", result: baseline },
    ),
  )
  const ratio = (value: (result: LoadResult) => number) =>
    (value(managed) / value(plain)).toFixed(3)
  process.stdout.write(
    `
XEP-0198 ÷ plain: delivered msgs/s ${ratio((r) => r.deliveredPerSecond)}, server CPU per message ${ratio((r) => r.serverCpuMillisecondsPer1000Messages)}, latency p50 ${ratio((r) => r.latencyP50Milliseconds)}, p99 ${ratio((r) => r.latencyP99Milliseconds)}
`,
  )
  return [baseline, plain, managed]
}

const directory = mkdtempSync(join(tmpdir(), "xmpp-amp-bench-"))
try {
  if (!values.cold && !values.cluster)
    process.stdout.write(
      `${clients} clients, ${values.messages} messages each at ≤ ${values.rate}/s, ≤ ${values.window} in flight, ${values.mechanism} over TCP${values.tls === "starttls" ? " with STARTTLS" : ""} (server: tls optional, from its ${code === "built" ? "built CLI" : "sources"}${pinned ? ", pinned to core 0, generator to core 1" : ""})\n`,
    )
  // AMP's presence check needs each sender subscribed both ways to its recipient (XEP-0079 §9).
  const ring = values.amp || values.cold ? clients : 0
  // `--storage` provisions each backend itself, through the repositories.
  if (!values.storage && !values.cluster)
    provisionOurUsers(join(directory, "data"), usersPrefix, clients, password, ring)
  if (values.cluster) {
    const failures = await runClusterBench({
      directory,
      rounds: positive("rounds"),
      pinnedRounds: positive("cluster-pinned-rounds"),
      warmupMessages: positive("warmup-messages"),
      load: baseLoad,
      latencyRate: positive("cluster-latency-rate"),
      latencySeconds: positive("cluster-latency-seconds"),
      saturationMessages: positive("cluster-saturation-messages"),
      placements: clusterPlacementsWanted(),
      servers: clusterServersWanted(),
      parts: clusterPartsWanted(),
      latencyLayouts: clusterLatencyLayoutsWanted(),
      baseCli: clusterBaseCli(),
      code,
      serverNodeArguments,
      logFile,
    })
    if (failures.length > 0) {
      process.stdout.write(`\nfailures:\n${failures.slice(0, 20).join("\n")}\n`)
      process.exitCode = 1
    }
  }
  const runs = values.cluster
    ? []
    : values.storage
      ? await runStorageRounds({
          directory,
          rounds: positive("rounds"),
          warmupMessages: positive("warmup-messages"),
          load: baseLoad,
          adduserAccounts: positive("adduser-accounts"),
          offlineMessagesPerClient: positive("offline-messages"),
          backends: storageBackendsWanted(),
          serverCore,
          code,
          serverNodeArguments,
          logFile,
        })
      : values.amp
        ? await runAmpRounds({
            directory,
            loads: ampLoadsWanted(),
            rounds: positive("rounds"),
            warmupMessages: positive("warmup-messages"),
            load: baseLoad,
            serverCore,
            code,
            serverNodeArguments,
            logFile,
            sandwiches: nonNegative("sandwiches"),
            sandwichMessages: positive("sandwich-messages"),
          })
        : values.cold
          ? await runColdStart({
              directory,
              messagesPerSecond: positive("cold-rate"),
              clients,
              seconds: positive("cold-seconds"),
              runs: positive("cold-runs"),
              sliceSeconds: positive("cold-slice-seconds"),
              load: {
                usersPrefix,
                password,
                mechanism: String(values.mechanism),
                tls: String(values.tls),
                core: generatorCore,
                window: 100,
              },
              serverCore,
              code,
              serverNodeArguments,
              logFile,
            })
          : values.sm
            ? await compareSm()
            : await compareArchive()
  const failures = runs.flatMap((run) => run.failures)
  if (failures.length > 0) {
    process.stdout.write(`\nfailures:\n${failures.slice(0, 20).join("\n")}\n`)
    process.exitCode = 1
  }
} finally {
  rmSync(directory, { recursive: true, force: true })
}
