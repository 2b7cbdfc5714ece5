// Formats the benchmark's table: each measurement for the server and the relay baseline of
// the same run, and their ratio (server ÷ baseline), so results compare across machines.
import type { LoadResult } from "./runLoad.js"

interface Row {
  readonly label: string
  readonly value: (result: LoadResult) => number
  readonly digits: number
}

const rows: ReadonlyArray<Row> = [
  { label: "logins (s, all clients)", value: (result) => result.loginSeconds, digits: 2 },
  { label: "messages delivered", value: (result) => result.messagesDelivered, digits: 0 },
  { label: "delivered msgs/s", value: (result) => result.deliveredPerSecond, digits: 0 },
  { label: "latency p50 (ms)", value: (result) => result.latencyP50Milliseconds, digits: 2 },
  { label: "latency p99 (ms)", value: (result) => result.latencyP99Milliseconds, digits: 2 },
  { label: "latency max (ms)", value: (result) => result.latencyMaxMilliseconds, digits: 2 },
  {
    label: "server CPU ms / 1000 msgs",
    value: (result) => result.serverCpuMillisecondsPer1000Messages,
    digits: 1,
  },
  {
    label: "server RSS, no sessions (MiB)",
    value: (result) => result.serverRssBeforeKiB / 1024,
    digits: 1,
  },
  {
    label: "server RSS per idle session (KiB)",
    value: (result) => result.serverRssPerIdleSessionKiB,
    digits: 1,
  },
  { label: "server peak RSS (MiB)", value: (result) => result.serverPeakRssKiB / 1024, digits: 1 },
]

/** One column of the table. */
export interface Measured {
  readonly name: string
  readonly result: LoadResult
}

/** The table as text: each measured column, the baseline, and each column ÷ baseline. */
export const formatComparison = (columns: ReadonlyArray<Measured>, baseline: Measured): string => {
  const header = [
    "",
    ...columns.map((column) => column.name),
    baseline.name,
    ...columns.map((column) => `ratio ${column.name.split(",")[1]?.trim() ?? column.name}`),
  ]
  const lines = rows.map((row) => {
    const reference = row.value(baseline.result)
    const values = columns.map((column) => row.value(column.result))
    return [
      row.label,
      ...values.map((value) => value.toFixed(row.digits)),
      reference.toFixed(row.digits),
      ...values.map((value) => `${(reference === 0 ? Number.NaN : value / reference).toFixed(2)}x`),
    ]
  })
  const widths = header.map((_, column) =>
    Math.max(...[header, ...lines].map((cells) => (cells[column] ?? "").length)),
  )
  const format = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join("  ")
  return `${[format(header), ...lines.map(format)].join("\n")}\n`
}
