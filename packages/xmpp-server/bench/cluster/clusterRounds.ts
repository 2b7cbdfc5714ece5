// `npm run bench -- --cluster` (issue 23 item 5): our server as one node and as a two-node
// cluster (PostgreSQL and nats-server private to the run), and a two-node ejabberd cluster,
// measured in one run in interleaved rounds:
//   (a) CPU per message, same-node against cross-node messages: both nodes plus nats-server
//       (and PostgreSQL), each read from /proc/PID/stat before and after the exchange, at the
//       offered `--rate` per client; ratio cross ÷ same within each round (target ≤ 2×)
//   (b) p50/p99 at `--cluster-latency-rate` msgs/s offered (2,000), cross against same (p99 ≤ 2×),
//       with a core per node (how the target is judged) and with every server process on core 0
//   (c) the two nodes pinned to a core each (`taskset -c 0` / `-c 1`) at saturation, against
//       one node on core 0 with the generator on core 1: msgs/s, each node's share of its core
//   (d) a scaling table for 1/2/4/8 nodes COMPUTED from (a)'s per-message costs
//   (e) ejabberd's two-node cluster measured as (a)–(c) and computed as (d)
// In (a) every server process (nodes, nats-server, ejabberd) is pinned to core 0 and the
// generator to core 1, as in the other benches; PostgreSQL is not pinned. (b) runs in both
// layouts (`--cluster-latency-cores`): "per-node" (node 1 on core 0, node 2 on core 1,
// nats-server on both, the generator unpinned) judges the p99 target, because on one core a
// cross-node message waits for three processes to be scheduled in turn where a same-node one
// waits for one (docs/performance.md, "The cross-node tail"); "shared" is (a)'s. Everything
// started (PostgreSQL, nats-server, nodes, epmd, ejabberd, generators) is stopped at the end, on
// failure and on SIGINT/SIGTERM.
import { rmSync } from "node:fs"
import { loadavg } from "node:os"
import { join } from "node:path"
import type { BenchServer, BenchStorage, MeterWindow } from "../benchServer.js"
import { type GeneratorLoad, runGeneratorProcess } from "../generatorProcess.js"
import { ensureInstalled } from "../peers/DebianPackages.js"
import { registerAccounts } from "../peers/register.js"
import { killQuietly } from "../peers/ServerProcess.js"
import { type BenchDatabases, postgresDatabases } from "../storageDatabases.js"
import { type ClusterFigures, clusterFigures } from "./clusterFigures.js"
import {
  formatCpuTable,
  formatLatencyTable,
  formatPinnedTable,
  formatRatio,
  formatScalingTable,
  medianOf,
  type TargetFigures,
} from "./clusterTables.js"
import { type EjabberdCluster, startEjabberdCluster } from "./ejabberdCluster.js"
import { type LatencyLayout, layoutCores } from "./latencyLayout.js"
import { type OurCluster, pin, startOurCluster } from "./ourCluster.js"
import type { Placement } from "./placement.js"

const layoutText: Record<LatencyLayout, string> = {
  "per-node":
    "a core per node (node 1 on core 0, node 2 on core 1, nats-server on both, generator unpinned; 1 node: core 0, generator core 1)",
  shared: "every server process on core 0, generator on core 1, as (a)",
}

/** Pins a setup's nodes and nats-server for `layout`; answers the generator's core. */
const place = (setup: Setup, layout: LatencyLayout): number | undefined => {
  const cores = layoutCores(layout, setup.nodePids.length)
  for (const [index, pid] of setup.nodePids.entries()) pin(pid, cores.nodes[index] ?? "0")
  if (setup.natsPid !== undefined) pin(setup.natsPid, cores.nats)
  return cores.generator
}

/** The settings of a `--cluster` run. */
export interface ClusterBenchOptions {
  readonly directory: string
  readonly rounds: number
  readonly pinnedRounds: number
  readonly warmupMessages: number
  /** The CPU load: clients, messages, rate and window per client, login details. */
  readonly load: Omit<GeneratorLoad, "port" | "serverPid" | "protocol" | "core">
  /** Total msgs/s of the latency load, and how long it runs. */
  readonly latencyRate: number
  readonly latencySeconds: number
  /** Messages per client of the saturation load of (c). */
  readonly saturationMessages: number
  /** Which placements to run (cross and uniform need the cluster routing). */
  readonly placements: ReadonlyArray<Placement>
  readonly servers: ReadonlyArray<"ours" | "ejabberd">
  /** Which measured parts run: (a) CPU, (b) latency, (c) pinned saturation (all by default). */
  readonly parts: ReadonlyArray<"cpu" | "latency" | "pinned">
  /** Core layouts of the latency part (b), in the order run; "per-node" judges the target. */
  readonly latencyLayouts: ReadonlyArray<LatencyLayout>
  readonly code: "sources" | "built"
  /**
   * Another build's `dist/cli.js` (`--cluster-base-cli`): its 2-node cluster is measured in the
   * same rounds as ours, as "base", for a before/after comparison on a shared machine.
   */
  readonly baseCli?: string | undefined
  readonly serverNodeArguments: ReadonlyArray<string>
  readonly logFile?: string | undefined
}

/** One server setup: its nodes' ports and pids, and the services it measures. */
interface Setup {
  readonly label: string
  readonly server: "ours" | "base" | "ejabberd"
  readonly ports: ReadonlyArray<number>
  readonly nodePids: ReadonlyArray<number>
  /** Each node's heap meter (ours only): what it allocated in the last exchange. */
  readonly nodeMeters?: ReadonlyArray<() => Promise<MeterWindow>> | undefined
  readonly natsPid?: number | undefined
  readonly databasePid?: number | undefined
}

/** A setup with a placement of recipients. */
interface Target {
  readonly key: string
  readonly label: string
  readonly setup: Setup
  readonly placement: Placement
}

const placementText: Record<Placement, string> = {
  same: "same-node",
  cross: "cross-node",
  uniform: "uniform (half cross)",
}

const log = (line: string) => process.stderr.write(`${line}\n`)

/** Everything started, for the interrupt handler (processes by pid, services by stop). */
interface Started {
  readonly pids: Array<number>
  readonly stops: Array<() => Promise<void> | void>
}

/**
 * Kills what runs when the bench is interrupted (exit hooks stop PostgreSQL, nats-server and the
 * generator), removes the bench's directory, then exits.
 */
const onInterrupt = (started: Started, directory: string) => {
  const handler = (signal: NodeJS.Signals) => {
    process.stderr.write(`${signal}: stopping the nodes, nats-server, ejabberd and PostgreSQL\n`)
    for (const pid of started.pids) killQuietly(pid)
    const deadline = setTimeout(() => process.exit(130), 15_000)
    void Promise.allSettled(started.stops.map((stop) => stop())).finally(() => {
      clearTimeout(deadline)
      rmSync(directory, { recursive: true, force: true })
      process.exit(130)
    })
  }
  process.once("SIGINT", handler)
  process.once("SIGTERM", handler)
  return () => {
    process.off("SIGINT", handler)
    process.off("SIGTERM", handler)
  }
}

const ourSetup = (
  cluster: OurCluster,
  databasePid: number | undefined,
  server: "ours" | "base",
): Setup => ({
  label: `${server}, ${cluster.name}`,
  server,
  ports: cluster.nodes.map((node: BenchServer) => node.port),
  nodePids: cluster.nodes.map((node: BenchServer) => node.pid),
  nodeMeters: cluster.nodes.map((node: BenchServer) => node.lastWindow),
  natsPid: cluster.nats.pid,
  databasePid,
})

const ejabberdSetup = (cluster: EjabberdCluster): Setup => ({
  label: `ejabberd, ${cluster.nodes.length} nodes`,
  server: "ejabberd",
  ports: cluster.nodes.map((node) => node.port),
  nodePids: cluster.nodes.map((node) => node.pid),
})

/** Starts the two-node ejabberd cluster and registers the accounts; the reason if it cannot. */
const startEjabberd = async (
  options: ClusterBenchOptions,
  started: Started,
): Promise<{ cluster: EjabberdCluster; version: string } | { reason: string }> => {
  try {
    const version = ensureInstalled(["ejabberd"], log).ejabberd ?? "?"
    log("starting a two-node ejabberd cluster …")
    const cluster = await startEjabberdCluster(join(options.directory, "ejabberd"), 2, 0)
    started.pids.push(...cluster.nodes.map((node) => node.pid))
    started.stops.push(cluster.stop)
    log(`ejabberd cluster: ${cluster.members}; registering ${options.load.clients} accounts …`)
    const first = cluster.nodes[0]
    if (first === undefined) throw new Error("the ejabberd cluster has no node")
    await registerAccounts({
      port: first.port,
      domain: "localhost",
      password: options.load.password,
      prefix: options.load.usersPrefix,
      count: options.load.clients,
      concurrency: 20,
    })
    return { cluster, version }
  } catch (error) {
    return { reason: error instanceof Error ? error.message : String(error) }
  }
}

/** Runs the cluster bench and prints its tables; answers the failures. */
export const runClusterBench = async (
  options: ClusterBenchOptions,
): Promise<ReadonlyArray<string>> => {
  const started: Started = { pids: [], stops: [] }
  const stopListening = onInterrupt(started, options.directory)
  const failures: Array<string> = []
  const loadBefore = loadavg()[0] ?? Number.NaN
  const startedAt = new Date()
  const cpuFigures = new Map<string, Array<ClusterFigures>>()
  const latencyFigures = new Map<LatencyLayout, Map<string, Array<ClusterFigures>>>(
    options.latencyLayouts.map((layout) => [layout, new Map()]),
  )
  const pinnedFigures = new Map<string, Array<ClusterFigures>>()
  let targets: Array<Target> = []
  let ejabberd: Awaited<ReturnType<typeof startEjabberd>> | undefined
  let databases: BenchDatabases | undefined
  try {
    const setups: Array<Setup> = []
    if (options.servers.includes("ours")) {
      log("starting a private PostgreSQL and provisioning it …")
      databases = await postgresDatabases({
        prefix: options.load.usersPrefix,
        count: options.load.clients,
        password: options.load.password,
        domain: "localhost",
      })
      started.stops.push(databases.close)
      const clusters: ReadonlyArray<{ server: "ours" | "base"; nodes: number }> = [
        { server: "ours", nodes: 1 },
        { server: "ours", nodes: 2 },
        ...(options.baseCli === undefined ? [] : [{ server: "base" as const, nodes: 2 }]),
      ]
      for (const { server, nodes } of clusters) {
        const name = nodes === 1 ? "1 node" : `${nodes} nodes`
        const directory = join(options.directory, `${server}-${nodes}`)
        // One database per cluster: a copy of the provisioned template.
        const storage = (await databases.provisioned(directory)) as Extract<
          BenchStorage,
          { backend: "postgres" }
        >
        log(`starting ${server}, ${name} (nats-server, PostgreSQL database ${storage.url}) …`)
        const cluster = await startOurCluster({
          name,
          directory,
          nodes,
          storage,
          cores: "0",
          code: options.code,
          cli: server === "base" ? options.baseCli : undefined,
          nodeArguments: options.serverNodeArguments,
          logFile: options.logFile,
        })
        started.pids.push(...cluster.nodes.map((node) => node.pid), cluster.nats.pid)
        started.stops.push(cluster.stop)
        setups.push(ourSetup(cluster, databases.databasePid, server))
      }
    }
    if (options.servers.includes("ejabberd")) {
      ejabberd = await startEjabberd(options, started)
      if ("cluster" in ejabberd) setups.push(ejabberdSetup(ejabberd.cluster))
      else log(`ejabberd cluster not measured: ${ejabberd.reason}`)
    }
    targets = setups.flatMap((setup) =>
      options.placements
        .filter((placement) => setup.ports.length > 1 || placement === "same")
        .map((placement) => ({
          key: `${setup.label}/${placement}`,
          label: `${setup.label}, ${placementText[placement]}`,
          setup,
          placement,
        })),
    )

    const run = async (
      target: Target,
      shape: Pick<GeneratorLoad, "messagesPerClient" | "ratePerClient" | "window">,
      generatorCore: number | undefined,
    ): Promise<ClusterFigures> => {
      const { setup } = target
      const result = await runGeneratorProcess({
        ...options.load,
        ...shape,
        protocol: "xmpp",
        port: setup.ports[0] ?? 0,
        ports: setup.ports,
        placement: target.placement,
        serverPid: setup.nodePids[0] ?? 0,
        cpuPids: [...setup.nodePids, ...(setup.natsPid === undefined ? [] : [setup.natsPid])],
        signalPids: setup.nodeMeters === undefined ? undefined : setup.nodePids,
        databasePid: setup.databasePid,
        core: generatorCore,
        settleSeconds: 0,
        timeoutSeconds: 30,
      })
      failures.push(...result.failures.map((failure) => `${target.label}: ${failure}`))
      const windows = await Promise.all((setup.nodeMeters ?? []).map((meter) => meter()))
      return clusterFigures(result, windows, {
        nodes: setup.nodePids.length,
        nats: setup.natsPid !== undefined,
        database: setup.databasePid !== undefined,
      })
    }
    const cpuShape = {
      messagesPerClient: options.load.messagesPerClient,
      ratePerClient: options.load.ratePerClient,
      window: options.load.window,
    }
    const latencyPerClient = options.latencyRate / options.load.clients
    const latencyShape = {
      messagesPerClient: Math.max(1, Math.round(latencyPerClient * options.latencySeconds)),
      ratePerClient: Math.max(1, Math.round(latencyPerClient)),
      // Wide enough never to hold a message back at this rate.
      window: 100,
    }
    const saturationShape = {
      messagesPerClient: options.saturationMessages,
      ratePerClient: 1000,
      window: options.load.window,
    }
    const record = (map: Map<string, Array<ClusterFigures>>, key: string, f: ClusterFigures) =>
      map.set(key, [...(map.get(key) ?? []), f])

    for (const target of targets) {
      log(`warm-up: ${target.label}`)
      await run(target, { ...cpuShape, messagesPerClient: options.warmupMessages }, 1)
    }
    // (a): every server process on core 0, the generator on core 1; (b) in each layout.
    for (let round = 0; round < options.rounds; round++) {
      const shift = round % Math.max(1, targets.length)
      for (const target of [...targets.slice(shift), ...targets.slice(0, shift)]) {
        if (options.parts.includes("cpu")) {
          log(`round ${round + 1}/${options.rounds}: ${target.label}, CPU load`)
          record(cpuFigures, target.key, await run(target, cpuShape, place(target.setup, "shared")))
        }
        if (!options.parts.includes("latency")) continue
        for (const [layout, figures] of latencyFigures) {
          log(
            `round ${round + 1}/${options.rounds}: ${target.label}, ${options.latencyRate} msgs/s, ${layout}`,
          )
          record(figures, target.key, await run(target, latencyShape, place(target.setup, layout)))
        }
        place(target.setup, "shared")
      }
    }
    // (c): one node pinned to core 0 with the generator on core 1; two nodes on cores 0 and 1,
    // nats-server and the generator on both.
    const pinnedTargets = options.parts.includes("pinned")
      ? targets.filter((target) => target.placement !== "cross")
      : []
    for (const setup of new Set(pinnedTargets.map((target) => target.setup))) {
      for (const [index, pid] of setup.nodePids.entries()) pin(pid, String(index % 2))
      if (setup.natsPid !== undefined) pin(setup.natsPid, "0,1")
    }
    for (let round = 0; round < options.pinnedRounds; round++) {
      const shift = round % Math.max(1, pinnedTargets.length)
      for (const target of [...pinnedTargets.slice(shift), ...pinnedTargets.slice(0, shift)]) {
        log(`pinned round ${round + 1}/${options.pinnedRounds}: ${target.label}, saturation`)
        const generatorCore = target.setup.nodePids.length === 1 ? 1 : undefined
        record(pinnedFigures, target.key, await run(target, saturationShape, generatorCore))
      }
    }
  } finally {
    for (const stop of [...started.stops].reverse()) await stop()
    stopListening()
  }

  const figuresOf = (map: Map<string, Array<ClusterFigures>>) =>
    targets.map((target) => ({ label: target.label, rounds: map.get(target.key) ?? [] }))
  const find = (
    map: Map<string, Array<ClusterFigures>>,
    server: "ours" | "base" | "ejabberd",
    nodes: number,
    placement: Placement,
  ): TargetFigures | undefined => {
    const target = targets.find(
      (t) =>
        t.setup.server === server && t.setup.nodePids.length === nodes && t.placement === placement,
    )
    return target === undefined
      ? undefined
      : { label: target.label, rounds: map.get(target.key) ?? [] }
  }
  const lines: Array<string> = [
    "",
    `cluster bench ${startedAt.toISOString()} – ${new Date().toISOString()}: ${options.load.clients} clients spread over the nodes (client N on node N mod nodes), SCRAM-SHA-1 over plain TCP on 127.0.0.1, MAM off${options.servers.includes("ours") ? `; ours from its ${options.code === "built" ? "built CLI" : "sources"} on PostgreSQL (one private server, fsync on) and a private nats-server per cluster` : ""}${ejabberd !== undefined && "version" in ejabberd ? `; ejabberd ${ejabberd.version} (Debian), Mnesia, Erlang distribution on 127.0.0.1` : ""}`,
    `1-minute load average ${loadBefore.toFixed(2)} before, ${(loadavg()[0] ?? Number.NaN).toFixed(2)} after (2 cores; above ~0 means other work shared them); median round [lowest–highest] of ${options.rounds} interleaved rounds`,
    "",
    `(a) CPU per message at ≤ ${options.load.clients * options.load.ratePerClient} msgs/s offered (${options.load.messagesPerClient} messages per client, ≤ ${options.load.window} in flight each); every server process on core 0, generator on core 1; CPU from /proc/PID/stat (utime + stime) of each process over the exchange`,
    formatCpuTable(figuresOf(cpuFigures)),
    ...(options.parts.includes("latency")
      ? [...latencyFigures].flatMap(([layout, figures]) => [
          `(b${layout === "per-node" ? "" : "'"}) latency at ${options.latencyRate} msgs/s offered for ${options.latencySeconds} s, ${layoutText[layout]}${layout === "per-node" ? ": how the p99 target is judged" : ": not the target's measure (a cross-node message waits for three processes on one core)"}`,
          formatLatencyTable(figuresOf(figures)),
        ])
      : ["(b) latency: not run (--cluster-parts)", ""]),
    "ratios within each round, median [lowest–highest]:",
  ]
  for (const server of ["ours", "base", "ejabberd"] as const) {
    const same = find(cpuFigures, server, 2, "same")
    const cross = find(cpuFigures, server, 2, "cross")
    if (same !== undefined && cross !== undefined)
      lines.push(
        formatRatio({
          label: `  ${server}: total CPU per message, cross-node ÷ same-node`,
          numerator: cross,
          denominator: same,
          figure: (f) => f.totalCpu,
          atMost: 2,
        }),
      )
    for (const [layout, figures] of latencyFigures) {
      const sameLatency = find(figures, server, 2, "same")
      const crossLatency = find(figures, server, 2, "cross")
      if (sameLatency === undefined || crossLatency === undefined) continue
      const perNode = layout === "per-node"
      const where = perNode ? "a core per node" : "all on core 0, not the target's measure"
      lines.push(
        formatRatio({
          label: `  ${server}: p99 at ${options.latencyRate} msgs/s, cross-node ÷ same-node (${where})`,
          numerator: crossLatency,
          denominator: sameLatency,
          figure: (f) => f.p99,
          atMost: perNode ? 2 : undefined,
        }),
        formatRatio({
          label: `  ${server}: p50 at ${options.latencyRate} msgs/s, cross-node ÷ same-node (${where})`,
          numerator: crossLatency,
          denominator: sameLatency,
          figure: (f) => f.p50,
        }),
      )
    }
  }
  for (const placement of ["same", "cross"] as const) {
    const mine = find(cpuFigures, "ours", 2, placement)
    const base = find(cpuFigures, "base", 2, placement)
    if (mine !== undefined && base !== undefined)
      lines.push(
        formatRatio({
          label: `  ours ÷ base: total CPU per message, 2 nodes ${placementText[placement]}`,
          numerator: mine,
          denominator: base,
          figure: (f) => f.totalCpu,
        }),
      )
  }
  const oneNode = find(cpuFigures, "ours", 1, "same")
  const twoSame = find(cpuFigures, "ours", 2, "same")
  if (oneNode !== undefined && twoSame !== undefined)
    lines.push(
      formatRatio({
        label: "  ours: total CPU per message, 2 nodes same-node ÷ 1 node",
        numerator: twoSame,
        denominator: oneNode,
        figure: (f) => f.totalCpu,
      }),
    )
  if (options.parts.includes("pinned"))
    lines.push(
      "",
      `(c) saturation (${options.saturationMessages} messages per client at ≤ 1000/s, ≤ ${options.load.window} in flight each), measured: 1 node pinned to core 0 with the generator on core 1; 2 nodes pinned to cores 0 and 1 (taskset -c 0 / -c 1), nats-server and the generator on both cores`,
      formatPinnedTable(
        targets
          .filter((target) => target.placement !== "cross")
          .map((target) => ({ label: target.label, rounds: pinnedFigures.get(target.key) ?? [] })),
      ),
    )
  else lines.push("", "(c) saturation: not run (--cluster-parts)")
  const pinnedOne = find(pinnedFigures, "ours", 1, "same")
  for (const placement of ["same", "uniform"] as const) {
    const pinnedTwo = find(pinnedFigures, "ours", 2, placement)
    if (pinnedOne !== undefined && pinnedTwo !== undefined)
      lines.push(
        formatRatio({
          label: `  ours: msgs/s, 2 nodes ${placementText[placement]} ÷ 1 node`,
          numerator: pinnedTwo,
          denominator: pinnedOne,
          figure: (f) => f.deliveredPerSecond,
        }),
      )
  }
  lines.push(
    "",
    "(d) scaling table, COMPUTED (not measured) from (a)'s median per-message costs: users spread uniformly, so (N−1)/N of messages cross nodes; a cross-node message costs the nodes and NATS+PostgreSQL what (a) measured for it, a same-node one what (a) measured for that; each node one core, fully busy; NATS and PostgreSQL on cores of their own (their cores at that rate in the column); loopback, so no network cost; costs at (a)'s offered rate, where a node batches less than at saturation",
  )
  for (const server of ["ours", "ejabberd"] as const) {
    const same = find(cpuFigures, server, 2, "same")
    const cross = find(cpuFigures, server, 2, "cross")
    const single = server === "ours" ? find(cpuFigures, "ours", 1, "same") : same
    if (same === undefined || cross === undefined || single === undefined) {
      if (options.servers.includes(server))
        lines.push(
          `${server}: not computed (same-node and cross-node figures of 2 nodes are needed)`,
        )
      continue
    }
    const services = (f: ClusterFigures) => f.natsCpu + f.databaseCpu
    lines.push(
      `${server}${server === "ejabberd" ? " (1 node: its same-node cost in the 2-node cluster; no nats-server, Mnesia inside the nodes)" : " (1 node: the measured 1-node cluster)"}`,
      formatScalingTable({
        singleNode: medianOf(single, (f) => f.nodeCpu),
        sameNodeNodes: medianOf(same, (f) => f.nodeCpu),
        crossNodeNodes: medianOf(cross, (f) => f.nodeCpu),
        sameNodeServices: medianOf(same, services),
        crossNodeServices: medianOf(cross, services),
      }),
    )
  }
  if (ejabberd !== undefined && "reason" in ejabberd)
    lines.push(`(e) the ejabberd cluster could not be measured: ${ejabberd.reason}`)
  process.stdout.write(`${lines.join("\n")}\n`)
  return failures
}
