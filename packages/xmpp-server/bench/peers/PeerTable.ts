// The results table of `npm run bench:peers`: one row per measurement, one column per server,
// and for each of our columns its ratio to Prosody and to ejabberd (ours ÷ theirs) from the
// same run, so the figures compare across machines.
import type { LoadResult } from "../runLoad.js"

/**
 * One server's runs: the first on the fresh process (its memory), saturation, and the
 * fixed-rate rounds (the table shows each figure's median over the rounds).
 */
export interface PeerColumn {
  readonly name: string
  readonly fresh: LoadResult
  readonly saturation: LoadResult
  readonly fixedRate: ReadonlyArray<LoadResult>
}

interface Row {
  readonly label: string
  readonly value: (column: PeerColumn) => number
  readonly digits: number
}

/** The middle value of `values`, or the mean of the two middle ones; NaN when there are none. */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2
}

/** The median over a column's fixed-rate rounds of one figure. */
const overRounds =
  (figure: (result: LoadResult) => number) =>
  (column: PeerColumn): number =>
    median(column.fixedRate.map(figure))

const p99 = (result: LoadResult) => result.latencyP99Milliseconds

/** CPU seconds per 10,000 delivered messages. */
const cpuSecondsPer10k = (result: LoadResult) => result.serverCpuMillisecondsPer1000Messages / 100

/**
 * The server's CPU use during the exchange in % of its core: well below 100 at saturation
 * means it did not get its core (other work on the machine), so its msgs/s understate it.
 */
const serverCpuPercent = (result: LoadResult) =>
  (result.deliveredPerSecond * result.serverCpuMillisecondsPer1000Messages) / 10_000

const rows: ReadonlyArray<Row> = [
  {
    label: "saturation: delivered msgs/s (higher is better)",
    value: (column) => column.saturation.deliveredPerSecond,
    digits: 0,
  },
  {
    label: "saturation: latency p50 ms",
    value: (column) => column.saturation.latencyP50Milliseconds,
    digits: 1,
  },
  {
    label: "saturation: latency p99 ms",
    value: (column) => column.saturation.latencyP99Milliseconds,
    digits: 1,
  },
  {
    label: "saturation: server CPU s / 10k msgs",
    value: (column) => cpuSecondsPer10k(column.saturation),
    digits: 2,
  },
  {
    label: "saturation: server CPU % of its core",
    value: (column) => serverCpuPercent(column.saturation),
    digits: 0,
  },
  {
    label: "saturation: msgs per server CPU second",
    value: (column) => 1_000_000 / column.saturation.serverCpuMillisecondsPer1000Messages,
    digits: 0,
  },
  {
    label: "saturation: generator CPU % of its core",
    value: (column) => column.saturation.generatorCpuPercent,
    digits: 0,
  },
  {
    label: "fixed rate: delivered msgs/s",
    value: overRounds((result) => result.deliveredPerSecond),
    digits: 0,
  },
  {
    label: "fixed rate: latency p50 ms",
    value: overRounds((result) => result.latencyP50Milliseconds),
    digits: 2,
  },
  {
    label: "fixed rate: latency p99 ms (lower is better)",
    value: overRounds(p99),
    digits: 2,
  },
  {
    label: "fixed rate: latency p99 ms, best round",
    value: (column) => Math.min(...column.fixedRate.map(p99)),
    digits: 2,
  },
  {
    label: "fixed rate: latency p99 ms, worst round",
    value: (column) => Math.max(...column.fixedRate.map(p99)),
    digits: 2,
  },
  {
    label: "fixed rate: server CPU s / 10k msgs",
    value: overRounds(cpuSecondsPer10k),
    digits: 2,
  },
  {
    label: "fixed rate: generator CPU % of its core",
    value: overRounds((result) => result.generatorCpuPercent),
    digits: 0,
  },
  {
    label: "fixed rate: generator GC pauses ms (total)",
    value: overRounds((result) => result.generatorGcPauseMilliseconds.total),
    digits: 1,
  },
  {
    label: "fixed rate: generator GC pause ms (longest)",
    value: (column) =>
      Math.max(...column.fixedRate.map((result) => result.generatorGcPauseMilliseconds.longest)),
    digits: 2,
  },
  {
    label: "RSS per idle session KiB (lower is better)",
    value: (column) => column.fresh.serverRssPerIdleSessionKiB,
    digits: 1,
  },
  {
    label: "RSS before logins MiB",
    value: (column) => column.fresh.serverRssBeforeKiB / 1024,
    digits: 1,
  },
  {
    label: "logins s (idle sessions, fresh server)",
    value: (column) => column.fresh.loginSeconds,
    digits: 2,
  },
]

/** `value ÷ reference` as "1.23x", or "-" when it is not a number. */
export const ratio = (value: number, reference: number): string => {
  const quotient = value / reference
  return Number.isFinite(quotient) ? `${quotient.toFixed(2)}x` : "-"
}

/**
 * The table as text: the peers' columns first, then each of ours followed by its ratios to
 * the first and the second peer.
 */
export const formatPeerTable = (
  peers: readonly [PeerColumn, PeerColumn],
  ours: ReadonlyArray<PeerColumn>,
): string => {
  const [first, second] = peers
  const header = [
    "",
    first.name,
    second.name,
    ...ours.flatMap((column) => [column.name, `÷ ${first.name}`, `÷ ${second.name}`]),
  ]
  const lines = rows.map((row) => {
    const firstValue = row.value(first)
    const secondValue = row.value(second)
    return [
      row.label,
      firstValue.toFixed(row.digits),
      secondValue.toFixed(row.digits),
      ...ours.flatMap((column) => {
        const value = row.value(column)
        return [value.toFixed(row.digits), ratio(value, firstValue), ratio(value, secondValue)]
      }),
    ]
  })
  const widths = header.map((_, index) =>
    Math.max(...[header, ...lines].map((cells) => (cells[index] ?? "").length)),
  )
  const format = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, index) =>
        index === 0 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0),
      )
      .join("  ")
  return `${[format(header), ...lines.map(format)].join("\n")}\n`
}

/**
 * The fixed-rate p99 of every round, one line per server, and for each of ours in how many
 * rounds its p99 was at or below each peer's in the same round.
 */
export const formatLatencyRounds = (
  peers: readonly [PeerColumn, PeerColumn],
  ours: ReadonlyArray<PeerColumn>,
): string => {
  const columns = [...peers, ...ours]
  const width = Math.max(...columns.map((column) => column.name.length))
  const lines = columns.map(
    (column) =>
      `  ${column.name.padEnd(width)}  ${column.fixedRate.map((result) => p99(result).toFixed(2).padStart(6)).join(" ")}`,
  )
  const atOrBelow = (column: PeerColumn, peer: PeerColumn): string => {
    const rounds = Math.min(column.fixedRate.length, peer.fixedRate.length)
    let count = 0
    for (let round = 0; round < rounds; round++) {
      const mine = column.fixedRate[round]
      const theirs = peer.fixedRate[round]
      if (mine !== undefined && theirs !== undefined && p99(mine) <= p99(theirs)) count++
    }
    return `${peer.name}'s in ${count} of ${rounds}`
  }
  return [
    "fixed rate: latency p99 ms in each round (the table gives the median round)",
    ...lines,
    ...ours.map(
      (column) =>
        `${column.name}: p99 at or below ${peers.map((peer) => atOrBelow(column, peer)).join(", ")} rounds`,
    ),
    "",
  ].join("\n")
}
