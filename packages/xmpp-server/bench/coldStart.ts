// `npm run bench -- --cold` (issue 24 item 3): the first minute after start. Starts the server
// (its built CLI by default, as users run it; pinned to one core), loads it at once with
// `deliver=direct notify` messages (default 2,000 msgs/s from 1,000 clients for 60 s), then runs
// the same load again on the same process `--cold-runs` − 1 times. Prints the cold run's p99
// next to the warm runs' (their median), the cold run's p99 per `--cold-slice-seconds`, and
// what the server's heap meter saw in each run (bench/heapMeter.mjs).
import { loadavg } from "node:os"
import { startBenchServer } from "./benchServer.js"
import { type GeneratorLoad, runGeneratorProcess } from "./generatorProcess.js"
import { formatTable, spreadOf } from "./roundStats.js"
import type { LoadResult } from "./runLoad.js"

/** The settings of a `--cold` run. */
export interface ColdStartOptions {
  /** Holds `data` with the accounts provisioned. */
  readonly directory: string
  readonly messagesPerSecond: number
  readonly clients: number
  readonly seconds: number
  readonly runs: number
  readonly sliceSeconds: number
  readonly load: Pick<
    GeneratorLoad,
    "usersPrefix" | "password" | "mechanism" | "tls" | "core" | "window"
  >
  readonly serverCore?: number | undefined
  readonly code: "sources" | "built"
  readonly serverNodeArguments: ReadonlyArray<string>
  readonly logFile?: string | undefined
}

/** Each client's rate; the total must split evenly over the clients (the generator's rate is per client). */
export const perClientRate = (messagesPerSecond: number, clients: number): number => {
  const rate = messagesPerSecond / clients
  if (!Number.isInteger(rate) || rate < 1)
    throw new Error(
      `--cold-rate ${messagesPerSecond} must be a whole multiple of --cold-clients ${clients} (each client sends a whole number of messages per second)`,
    )
  return rate
}

/** Starts the server, runs the loads, prints the comparison; returns every run's result. */
export const runColdStart = async (
  options: ColdStartOptions,
): Promise<ReadonlyArray<LoadResult>> => {
  const ratePerClient = perClientRate(options.messagesPerSecond, options.clients)
  const loadBefore = loadavg()[0] ?? Number.NaN
  const server = await startBenchServer({
    directory: options.directory,
    name: "cold",
    archive: false,
    ampModule: true,
    code: options.code,
    core: options.serverCore,
    nodeArguments: options.serverNodeArguments,
    logFile: options.logFile,
  })
  const rows: Array<Array<string>> = []
  const results: Array<LoadResult> = []
  try {
    for (let run = 0; run < options.runs; run++) {
      process.stderr.write(`${run === 0 ? "cold" : "warm"} run ${run + 1}/${options.runs}\n`)
      const result = await runGeneratorProcess({
        ...options.load,
        protocol: "xmpp",
        port: server.port,
        serverPid: server.pid,
        clients: options.clients,
        messagesPerClient: ratePerClient * options.seconds,
        ratePerClient,
        amp: "notify",
        signalServer: true,
        settleSeconds: 0,
        timeoutSeconds: options.seconds + 60,
        sliceSeconds: options.sliceSeconds,
      })
      const meter = await server.lastWindow()
      results.push(result)
      rows.push([
        `${run + 1} ${run === 0 ? "cold" : "warm"}`,
        result.latencyP50Milliseconds.toFixed(2),
        result.latencyP99Milliseconds.toFixed(2),
        result.latencyMaxMilliseconds.toFixed(1),
        result.deliveredPerSecond.toFixed(0),
        (meter.cpuMicroseconds / Math.max(1, result.messagesDelivered)).toFixed(1),
        (meter.allocatedBytes / Math.max(1, result.messagesDelivered)).toFixed(0),
        String(meter.collections),
        String(meter.markCompacts),
        meter.gcMilliseconds.toFixed(1),
        result.loginSeconds.toFixed(2),
        result.latencyP99BySlice.map((p99) => p99.toFixed(1)).join(" "),
      ])
    }
  } finally {
    await server.stop()
  }
  const cold = results[0]?.latencyP99Milliseconds ?? Number.NaN
  const warm = spreadOf(results.slice(1).map((result) => result.latencyP99Milliseconds))
  process.stdout.write(
    [
      `\n${options.clients} clients, ${options.messagesPerSecond} msgs/s deliver=direct notify for ${options.seconds} s per run, the first right after start; 1-min load average ${loadBefore.toFixed(1)} before, ${(loadavg()[0] ?? Number.NaN).toFixed(1)} after\n`,
      formatTable([
        [
          "run",
          "p50 ms",
          "p99 ms",
          "max ms",
          "msgs/s",
          "CPU µs/msg",
          "heap B/msg",
          "GCs",
          "mark-compacts",
          "GC ms",
          "logins s",
          `p99 ms per ${options.sliceSeconds} s`,
        ],
        ...rows,
      ]),
      `\ncold p99 ${cold.toFixed(2)} ms, warm p99 ${warm.median.toFixed(2)} ms (median of runs 2–${options.runs}, [${warm.min.toFixed(2)}–${warm.max.toFixed(2)}]): cold ÷ warm ${(cold / warm.median).toFixed(2)}x\n`,
    ].join(""),
  )
  return results
}
