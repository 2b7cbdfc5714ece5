// `npm run bench -- --amp` (issue 24): what AMP costs per message next to a plain message, as
// ratios within one run. Four servers (MAM off), each on its own process, all pinned to the
// same core, each warmed up once, then `--rounds` interleaved rounds (the order rotated by one
// each round) of the same offered load against each:
//   AMP off                      plain messages, AMP module on
//   <amp/> bytes, module off     every message carries the never-firing rule, AMP module off
//   rule that never fires        `deliver=stored notify`, recipient online: parsed, checked, no reply
//   deliver=direct notify        a notify reply per message
// Per run: server CPU per message and V8 heap bytes allocated per message, both measured inside
// the server over the exchange window (bench/heapMeter.mjs; independent of how much of its core
// the server got), and p50/p99 latency. Printed as the median round with the lowest and highest
// beside it, and each load's per-round ratio to AMP off of the same round, likewise.
import { cpSync, mkdirSync } from "node:fs"
import { loadavg } from "node:os"
import { join } from "node:path"
import { type BenchServer, type MeterWindow, startBenchServer } from "./benchServer.js"
import {
  formatMedianInterval,
  medianInterval,
  type SandwichRun,
  sandwichOrder,
  sandwichRatios,
} from "./cpuSandwich.js"
import { type GeneratorLoad, runGeneratorProcess } from "./generatorProcess.js"
import { formatSpread, formatTable, spreadOf } from "./roundStats.js"
import type { LoadResult } from "./runLoad.js"
import type { AmpBenchRule } from "./xmppClient.js"

/** One of the four loads. */
export interface AmpLoad {
  readonly name: string
  readonly key: string
  readonly ampModule: boolean
  readonly amp?: AmpBenchRule | undefined
}

/** The four loads, by `key` (`--amp-loads plain,notify` runs a subset, for profiling). */
export const AMP_LOADS: ReadonlyArray<AmpLoad> = [
  { name: "AMP off", key: "plain", ampModule: true },
  { name: "<amp/> bytes, module off", key: "bytes", ampModule: false, amp: "silent" },
  { name: "rule that never fires", key: "silent", ampModule: true, amp: "silent" },
  { name: "deliver=direct notify", key: "notify", ampModule: true, amp: "notify" },
]

/** One run's figures. */
interface RunFigures {
  readonly cpuMicrosecondsPerMessage: number
  readonly allocatedBytesPerMessage: number
  readonly p50: number
  readonly p99: number
  readonly deliveredPerSecond: number
  readonly collectionsPer1000: number
  readonly syscallsPerMessage: number
  readonly notified: number
  readonly sent: number
}

const figuresOf = (result: LoadResult, meter: MeterWindow): RunFigures => ({
  cpuMicrosecondsPerMessage: meter.cpuMicroseconds / Math.max(1, result.messagesDelivered),
  allocatedBytesPerMessage: meter.allocatedBytes / Math.max(1, result.messagesDelivered),
  p50: result.latencyP50Milliseconds,
  p99: result.latencyP99Milliseconds,
  deliveredPerSecond: result.deliveredPerSecond,
  collectionsPer1000: (meter.collections * 1000) / Math.max(1, result.messagesDelivered),
  syscallsPerMessage: result.serverSyscallsPerMessage,
  notified: result.ampNotifications,
  sent: result.messagesSent,
})

/** The settings of an `--amp` run. */
export interface AmpRoundsOptions {
  /** The loads to run (all four for the ratios; fewer when profiling one). */
  readonly loads: ReadonlyArray<AmpLoad>
  /** Holds `data` with the accounts provisioned (each server gets a copy). */
  readonly directory: string
  readonly rounds: number
  readonly warmupMessages: number
  /** The load every run offers; `amp`, `port`, `serverPid` are set per run. */
  readonly load: Omit<GeneratorLoad, "amp" | "port" | "serverPid" | "protocol">
  readonly serverCore?: number | undefined
  readonly code: "sources" | "built"
  readonly serverNodeArguments: ReadonlyArray<string>
  readonly logFile?: string | undefined
  /**
   * After the rounds: this many short runs of each AMP load, each between two AMP-off runs,
   * for the CPU ratio that settles (bench/cpuSandwich.ts); 0 for none.
   */
  readonly sandwiches: number
  /** Messages per client in each sandwich run. */
  readonly sandwichMessages: number
}

const columns = [
  { label: "server CPU µs/msg", value: (f: RunFigures) => f.cpuMicrosecondsPerMessage, digits: 1 },
  { label: "heap bytes/msg", value: (f: RunFigures) => f.allocatedBytesPerMessage, digits: 0 },
  { label: "p50 ms", value: (f: RunFigures) => f.p50, digits: 2 },
  { label: "p99 ms", value: (f: RunFigures) => f.p99, digits: 2 },
  { label: "delivered msgs/s", value: (f: RunFigures) => f.deliveredPerSecond, digits: 0 },
  { label: "GCs/1000 msgs", value: (f: RunFigures) => f.collectionsPer1000, digits: 1 },
  { label: "syscalls/msg", value: (f: RunFigures) => f.syscallsPerMessage, digits: 2 },
] as const

/** Runs the rounds and prints both tables; returns every run's generator result. */
export const runAmpRounds = async (
  options: AmpRoundsOptions,
): Promise<ReadonlyArray<LoadResult>> => {
  const ampLoads = options.loads
  const servers = new Map<string, BenchServer>()
  const figures = new Map<string, Array<RunFigures>>(ampLoads.map((load) => [load.key, []]))
  const results: Array<LoadResult> = []
  const sandwichRuns: Array<SandwichRun> = []
  const loadBefore = loadavg()[0] ?? Number.NaN
  try {
    for (const load of ampLoads) {
      const directory = join(options.directory, load.key)
      mkdirSync(directory, { recursive: true })
      cpSync(join(options.directory, "data"), join(directory, "data"), { recursive: true })
      servers.set(
        load.key,
        await startBenchServer({
          directory,
          name: load.key,
          archive: false,
          ampModule: load.ampModule,
          code: options.code,
          core: options.serverCore,
          nodeArguments: options.serverNodeArguments,
          logFile: options.logFile,
        }),
      )
    }
    const run = async (load: AmpLoad, messagesPerClient: number, settleSeconds?: number) => {
      const server = servers.get(load.key)
      if (server === undefined) throw new Error(`no server for ${load.name}`)
      const result = await runGeneratorProcess({
        ...options.load,
        messagesPerClient,
        protocol: "xmpp",
        port: server.port,
        serverPid: server.pid,
        amp: load.amp,
        signalServer: true,
        ...(settleSeconds === undefined ? {} : { settleSeconds }),
      })
      results.push(result)
      return { result, meter: await server.lastWindow() }
    }
    for (const load of ampLoads) {
      process.stderr.write(`warm-up: ${load.name}\n`)
      await run(load, options.warmupMessages)
    }
    for (let round = 0; round < options.rounds; round++) {
      for (let step = 0; step < ampLoads.length; step++) {
        const load = ampLoads[(round + step) % ampLoads.length]
        if (load === undefined) continue
        process.stderr.write(`round ${round + 1}/${options.rounds}: ${load.name}\n`)
        const { result, meter } = await run(load, options.load.messagesPerClient)
        figures.get(load.key)?.push(figuresOf(result, meter))
      }
    }
    const plain = ampLoads.find((load) => load.key === "plain")
    const others = ampLoads.filter((load) => load.key !== "plain")
    if (options.sandwiches > 0 && plain !== undefined && others.length > 0) {
      const order = sandwichOrder(
        plain.key,
        others.map((load) => load.key),
        options.sandwiches,
      )
      for (const [index, key] of order.entries()) {
        const load = ampLoads.find((candidate) => candidate.key === key)
        if (load === undefined) continue
        process.stderr.write(`sandwich run ${index + 1}/${order.length}: ${load.name}\n`)
        // No quiet seconds for the memory figures: only the window's CPU and bytes are used.
        const { result, meter } = await run(load, options.sandwichMessages, 0)
        sandwichRuns.push({ key, ...figuresOf(result, meter) })
      }
    }
  } finally {
    await Promise.all([...servers.values()].map((server) => server.stop()))
  }
  const loadAfterRounds = loadavg()[0] ?? Number.NaN
  process.stdout.write(
    formatAmpTables(ampLoads, figures, options.rounds, loadBefore, loadAfterRounds),
  )
  if (sandwichRuns.length > 0)
    process.stdout.write(formatSandwiches(ampLoads, sandwichRuns, options.sandwichMessages))
  return results
}

/** The two tables: figures per load, and per-round ratios to AMP off. */
const formatAmpTables = (
  ampLoads: ReadonlyArray<AmpLoad>,
  figures: ReadonlyMap<string, ReadonlyArray<RunFigures>>,
  rounds: number,
  loadBefore: number,
  loadAfter: number,
): string => {
  const plain = figures.get("plain") ?? []
  const header = ["", ...columns.map((column) => column.label)]
  const absolute = ampLoads.map((load) => {
    const runs = figures.get(load.key) ?? []
    return [
      load.name,
      ...columns.map((column) => formatSpread(spreadOf(runs.map(column.value)), column.digits)),
    ]
  })
  const ratioColumns = columns.filter((column) => column.label !== "GCs/1000 msgs")
  const ratios = ampLoads
    .filter((load) => load.key !== "plain")
    .map((load) => {
      const runs = figures.get(load.key) ?? []
      return [
        `${load.name} ÷ AMP off`,
        ...ratioColumns.map((column) =>
          formatSpread(
            spreadOf(
              runs.map((run, round) => {
                const reference = plain[round]
                return reference === undefined
                  ? Number.NaN
                  : column.value(run) / column.value(reference)
              }),
            ),
            2,
            "x",
          ),
        ),
      ]
    })
  const notify = figures.get("notify") ?? []
  return [
    `\nmedian round [lowest–highest] of ${rounds} interleaved rounds; CPU and heap bytes measured inside the server over the exchange; 1-min load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after\n`,
    formatTable([header, ...absolute]),
    "\nratio to AMP off in the same round, median [lowest–highest]\n",
    formatTable([["", ...ratioColumns.map((column) => column.label)], ...ratios]),
    `\nnotify replies: ${notify.reduce((sum, run) => sum + run.notified, 0)} of ${notify.reduce((sum, run) => sum + run.sent, 0)}\n`,
  ].join("")
}

/** The sandwiches' table: per AMP load, CPU and heap bytes over the mean of the neighbours. */
const formatSandwiches = (
  ampLoads: ReadonlyArray<AmpLoad>,
  runs: ReadonlyArray<SandwichRun>,
  messagesPerClient: number,
): string => {
  const cpu = sandwichRatios(runs, "plain", (run) => run.cpuMicrosecondsPerMessage)
  const heap = sandwichRatios(runs, "plain", (run) => run.allocatedBytesPerMessage)
  const plainCpu = runs
    .filter((run) => run.key === "plain")
    .map((run) => run.cpuMicrosecondsPerMessage)
  const rows = ampLoads
    .filter((load) => load.key !== "plain")
    .map((load) => [
      `${load.name} ÷ AMP off`,
      String(cpu.get(load.key)?.length ?? 0),
      formatMedianInterval(medianInterval(cpu.get(load.key) ?? []), 2, "x"),
      formatMedianInterval(medianInterval(heap.get(load.key) ?? []), 2, "x"),
    ])
  return [
    `\nsandwiches: each AMP run (${messagesPerClient} msgs per client) between two AMP-off runs, its figure over their mean; median [95 % interval of the median] (lowest–highest); AMP-off CPU over these runs ${formatMedianInterval(medianInterval(plainCpu), 1)} µs/msg; 1-min load average ${(loadavg()[0] ?? Number.NaN).toFixed(1)} at the end\n`,
    formatTable([["", "runs", "server CPU µs/msg", "heap bytes/msg"], ...rows]),
  ].join("")
}
