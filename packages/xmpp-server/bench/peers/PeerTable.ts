// The results table of `npm run bench:peers`: one row per measurement, one column per server,
// and for each of our columns its ratio to Prosody and to ejabberd (ours ÷ theirs) from the
// same run, so the figures compare across machines.
import type { LoadResult } from "../runLoad.js"

/** One server's runs: the first on the fresh process (its memory), saturation, fixed rate. */
export interface PeerColumn {
  readonly name: string
  readonly fresh: LoadResult
  readonly saturation: LoadResult
  readonly fixedRate: LoadResult
}

interface Row {
  readonly label: string
  readonly value: (column: PeerColumn) => number
  readonly digits: number
}

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
    value: (column) => column.fixedRate.deliveredPerSecond,
    digits: 0,
  },
  {
    label: "fixed rate: latency p50 ms",
    value: (column) => column.fixedRate.latencyP50Milliseconds,
    digits: 2,
  },
  {
    label: "fixed rate: latency p99 ms (lower is better)",
    value: (column) => column.fixedRate.latencyP99Milliseconds,
    digits: 2,
  },
  {
    label: "fixed rate: server CPU s / 10k msgs",
    value: (column) => cpuSecondsPer10k(column.fixedRate),
    digits: 2,
  },
  {
    label: "fixed rate: generator CPU % of its core",
    value: (column) => column.fixedRate.generatorCpuPercent,
    digits: 0,
  },
  {
    label: "fixed rate: generator GC pauses ms (total)",
    value: (column) => column.fixedRate.generatorGcPauseMilliseconds.total,
    digits: 1,
  },
  {
    label: "fixed rate: generator GC pause ms (longest)",
    value: (column) => column.fixedRate.generatorGcPauseMilliseconds.longest,
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
