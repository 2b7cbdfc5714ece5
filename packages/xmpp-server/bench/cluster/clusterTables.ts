// What `npm run bench -- --cluster` prints (issue 23 item 5): per target (a server, its node
// count and where recipients are) the median round [lowest–highest] of CPU per message and of
// latency, the ratios cross-node ÷ same-node taken within each round against the targets of
// spec/cluster.md (≤ 2× CPU, ≤ 2× p99), the run with each node pinned to a core of its own,
// and the computed scaling table (bench/cluster/scalingTable.ts), marked as computed.
import { formatSpread, formatTable, spreadOf } from "../roundStats.js"
import type { ClusterFigures } from "./clusterFigures.js"
import { type MeasuredCosts, type ScalingRow, scalingRows } from "./scalingTable.js"

/** A target's figures over the rounds. */
export interface TargetFigures {
  readonly label: string
  readonly rounds: ReadonlyArray<ClusterFigures>
}

const spread = (
  target: TargetFigures,
  figure: (figures: ClusterFigures) => number,
  digits: number,
  suffix = "",
) => formatSpread(spreadOf(target.rounds.map(figure)), digits, suffix)

/** The CPU table: msgs/s and each kind of process's CPU per message. */
export const formatCpuTable = (targets: ReadonlyArray<TargetFigures>): string =>
  formatTable([
    [
      "",
      "msgs/s",
      "nodes syscalls/msg",
      "nodes heap B/msg",
      "nodes µs/msg",
      "nats-server µs/msg",
      "PostgreSQL µs/msg",
      "total µs/msg",
    ],
    ...targets.map((target) => [
      target.label,
      spread(target, (f) => f.deliveredPerSecond, 0),
      spread(target, (f) => f.nodeSyscalls, 2),
      spread(target, (f) => f.nodeHeapBytes, 0),
      spread(target, (f) => f.nodeCpu, 1),
      spread(target, (f) => f.natsCpu, 1),
      spread(target, (f) => f.databaseCpu, 1),
      spread(target, (f) => f.totalCpu, 1),
    ]),
  ])

/** The latency table. */
export const formatLatencyTable = (targets: ReadonlyArray<TargetFigures>): string =>
  formatTable([
    ["", "msgs/s", "p50 ms", "p99 ms", "total µs/msg"],
    ...targets.map((target) => [
      target.label,
      spread(target, (f) => f.deliveredPerSecond, 0),
      spread(target, (f) => f.p50, 2),
      spread(target, (f) => f.p99, 2),
      spread(target, (f) => f.totalCpu, 1),
    ]),
  ])

/** The pinned table: msgs/s, each node's share of its core, NATS, total CPU, the generator's. */
export const formatPinnedTable = (targets: ReadonlyArray<TargetFigures>): string => {
  const nodes = Math.max(...targets.flatMap((t) => t.rounds.map((f) => f.nodeCorePercent.length)))
  return formatTable([
    [
      "",
      "msgs/s",
      ...Array.from({ length: nodes }, (_, index) => `node ${index + 1} % core`),
      "nats-server µs/msg",
      "total µs/msg",
      "generator % core",
    ],
    ...targets.map((target) => [
      target.label,
      spread(target, (f) => f.deliveredPerSecond, 0),
      ...Array.from({ length: nodes }, (_, index) =>
        target.rounds.every((f) => f.nodeCorePercent[index] === undefined)
          ? "–"
          : spread(target, (f) => f.nodeCorePercent[index] ?? Number.NaN, 0),
      ),
      spread(target, (f) => f.natsCpu, 1),
      spread(target, (f) => f.totalCpu, 1),
      spread(target, (f) => f.generatorCpuPercent, 0),
    ]),
  ])
}

/** A ratio of two targets, taken within each round (round i of one ÷ round i of the other). */
export interface RatioLine {
  readonly label: string
  readonly numerator: TargetFigures
  readonly denominator: TargetFigures
  readonly figure: (figures: ClusterFigures) => number
  /** The target it must stay at or below, if any (e.g. 2 for "≤ 2×"). */
  readonly atMost?: number | undefined
}

/** "label: 1.23x [1.10–1.40] (target ≤ 2×: met)"; n/a when a side has no rounds. */
export const formatRatio = (line: RatioLine): string => {
  const ratios = line.numerator.rounds.flatMap((figures, index) => {
    const other = line.denominator.rounds[index]
    return other === undefined ? [] : [line.figure(figures) / line.figure(other)]
  })
  if (ratios.length === 0) return `${line.label}: n/a (not measured)`
  const ratio = spreadOf(ratios)
  const verdict =
    line.atMost === undefined
      ? ""
      : ` (target ≤ ${line.atMost}×: ${ratio.median <= line.atMost ? "met" : "NOT met"} in the median round, ${ratios.filter((r) => r <= (line.atMost ?? 0)).length} of ${ratios.length} rounds)`
  return `${line.label}: ${formatSpread(ratio, 2, "x")}${verdict}`
}

/** The computed scaling table of one server. */
export const formatScalingTable = (costs: MeasuredCosts): string => {
  const rows: ReadonlyArray<ScalingRow> = scalingRows(costs)
  return formatTable([
    [
      "nodes",
      "cross-node share",
      "nodes µs/msg",
      "NATS+PG µs/msg",
      "cluster msgs/s",
      "per node msgs/s",
      "NATS+PG cores",
      "× 1 node",
    ],
    ...rows.map((row) => [
      String(row.nodes),
      `${Math.round(row.crossShare * 100)} %`,
      row.nodeCpuMicroseconds.toFixed(1),
      row.servicesCpuMicroseconds.toFixed(1),
      row.clusterMessagesPerSecond.toFixed(0),
      row.perNodeMessagesPerSecond.toFixed(0),
      row.servicesCores.toFixed(2),
      `${row.speedup.toFixed(2)}x`,
    ]),
  ])
}

/** The medians of a target's figure (for the scaling model's inputs). */
export const medianOf = (
  target: TargetFigures | undefined,
  figure: (figures: ClusterFigures) => number,
): number => (target === undefined ? Number.NaN : spreadOf(target.rounds.map(figure)).median)
