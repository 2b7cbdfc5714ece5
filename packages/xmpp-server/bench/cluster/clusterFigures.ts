// One cluster-bench run's figures, from the load generator's result (bench/runLoad.ts): the
// CPU per message of the nodes, of nats-server and of PostgreSQL, each read from
// /proc/PID/stat (utime + stime) before and after the exchange, their total, the nodes' busy
// share of a core, the nodes' system calls and V8 heap bytes (bench/heapMeter.mjs) per message,
// msgs/s and latency.
import type { MeterWindow } from "../benchServer.js"
import type { LoadResult } from "../runLoad.js"

/** What one run measured. */
export interface ClusterFigures {
  readonly deliveredPerSecond: number
  /** All nodes together, read- and write-family system calls per delivered message. */
  readonly nodeSyscalls: number
  /** All nodes together, V8 heap bytes allocated per delivered message (NaN: not metered). */
  readonly nodeHeapBytes: number
  /** All nodes together, µs of CPU per delivered message. */
  readonly nodeCpu: number
  /** nats-server, µs per message (0 where there is none: ejabberd). */
  readonly natsCpu: number
  /** PostgreSQL's postmaster and its children, µs per message (0 where there is none). */
  readonly databaseCpu: number
  /** nodeCpu + natsCpu + databaseCpu. */
  readonly totalCpu: number
  /** Each node's CPU over the exchange, in % of one core. */
  readonly nodeCorePercent: ReadonlyArray<number>
  readonly generatorCpuPercent: number
  readonly p50: number
  readonly p99: number
  readonly delivered: number
  readonly sent: number
}

/** Which of the generator's `cpuPids` are nodes and which is nats-server. */
export interface CpuLayout {
  readonly nodes: number
  /** Whether the pid after the nodes' is nats-server's. */
  readonly nats: boolean
  /** Whether the generator measured PostgreSQL (`databasePid`). */
  readonly database: boolean
}

const zeroIfNaN = (value: number) => (Number.isNaN(value) ? 0 : value)

/** What the figures are made of: part of the generator's result. */
export type MeasuredRun = Pick<
  LoadResult,
  | "processCpuMillisecondsPer1000Messages"
  | "processSyscallsPerMessage"
  | "databaseCpuMillisecondsPer1000Messages"
  | "messagesDelivered"
  | "messagesSent"
  | "exchangeSeconds"
  | "deliveredPerSecond"
  | "latencyP50Milliseconds"
  | "latencyP99Milliseconds"
  | "generatorCpuPercent"
>

/**
 * The figures of `result`, whose `cpuPids` were the nodes' then (if any) nats-server's, and of
 * the nodes' heap meter windows over the same exchange (none for ejabberd).
 */
export const clusterFigures = (
  result: MeasuredRun,
  windows: ReadonlyArray<Pick<MeterWindow, "allocatedBytes">>,
  layout: CpuLayout,
): ClusterFigures => {
  // The generator reports ms per 1000 messages: that is µs per message.
  const perProcess = result.processCpuMillisecondsPer1000Messages
  const nodeCosts = perProcess.slice(0, layout.nodes)
  const nodeCpu = nodeCosts.reduce((sum, cost) => sum + cost, 0)
  const nodeSyscalls = result.processSyscallsPerMessage
    .slice(0, layout.nodes)
    .reduce((sum, count) => sum + count, 0)
  const natsCpu = layout.nats ? (perProcess[layout.nodes] ?? Number.NaN) : 0
  const databaseCpu = layout.database ? zeroIfNaN(result.databaseCpuMillisecondsPer1000Messages) : 0
  const exchangeMilliseconds = result.exchangeSeconds * 1000
  return {
    deliveredPerSecond: result.deliveredPerSecond,
    nodeSyscalls,
    nodeHeapBytes:
      windows.length === 0
        ? Number.NaN
        : windows.reduce((sum, window) => sum + window.allocatedBytes, 0) /
          Math.max(1, result.messagesDelivered),
    nodeCpu,
    natsCpu,
    databaseCpu,
    totalCpu: nodeCpu + natsCpu + databaseCpu,
    nodeCorePercent: nodeCosts.map(
      (cost) => (100 * cost * result.messagesDelivered) / 1000 / exchangeMilliseconds,
    ),
    generatorCpuPercent: result.generatorCpuPercent,
    p50: result.latencyP50Milliseconds,
    p99: result.latencyP99Milliseconds,
    delivered: result.messagesDelivered,
    sent: result.messagesSent,
  }
}
