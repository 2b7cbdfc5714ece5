// The tables of `npm run bench -- --storage` (bench/storageRounds.ts): per backend, each load's
// figures as the median round [lowest–highest]; then PostgreSQL ÷ SQLite, each round's ratio
// of the same round's runs, likewise; then `adduser --from-file` the same way.
import { formatSpread, formatTable, spreadOf } from "./roundStats.js"

/** One run's figures. */
export interface StorageFigures {
  /** Delivered messages per second (offline load: messages whose store was notified). */
  readonly deliveredPerSecond: number
  /** Measured inside the server over the exchange (bench/heapMeter.mjs). */
  readonly serverCpuMicrosecondsPerMessage: number
  /** The server's plus PostgreSQL's processes (SQLite runs inside the server: the same). */
  readonly totalCpuMicrosecondsPerMessage: number
  /** Latency (offline load: from the send to the store's notify). */
  readonly p50: number
  readonly p99: number
}

/** What the tables show. */
export interface StorageTablesInput {
  /** The backends measured: a table each, and the ratios when both were. */
  readonly backends: ReadonlyArray<"sqlite" | "postgres">
  readonly loads: ReadonlyArray<{ readonly key: string; readonly name: string }>
  readonly figuresOf: (backend: string, load: string) => ReadonlyArray<StorageFigures>
  readonly adduserSecondsOf: (backend: string) => ReadonlyArray<number>
  readonly adduserAccounts: number
  readonly rounds: number
  readonly loadBefore: number
  readonly loadAfter: number
}

const columns = [
  { label: "msgs/s", value: (f: StorageFigures) => f.deliveredPerSecond, digits: 0 },
  {
    label: "server CPU µs/msg",
    value: (f: StorageFigures) => f.serverCpuMicrosecondsPerMessage,
    digits: 1,
  },
  {
    label: "server+database CPU µs/msg",
    value: (f: StorageFigures) => f.totalCpuMicrosecondsPerMessage,
    digits: 1,
  },
  { label: "p50 ms", value: (f: StorageFigures) => f.p50, digits: 2 },
  { label: "p99 ms", value: (f: StorageFigures) => f.p99, digits: 2 },
] as const

const labels = { sqlite: "SQLite", postgres: "PostgreSQL" } as const

/** Each round's `numerator ÷ denominator` (rounds paired by position). */
const ratiosOf = (
  numerators: ReadonlyArray<number>,
  denominators: ReadonlyArray<number>,
): ReadonlyArray<number> =>
  numerators.map((value, round) => {
    const reference = denominators[round]
    return reference === undefined || reference === 0 ? Number.NaN : value / reference
  })

/** The tables as text. */
export const formatStorageTables = (input: StorageTablesInput): string => {
  const header = ["", ...columns.map((column) => column.label)]
  const perBackend = input.backends.map((key) => {
    const label = labels[key]
    const rows = input.loads.map((load) => {
      const runs = input.figuresOf(key, load.key)
      return [
        load.name,
        ...columns.map((column) => formatSpread(spreadOf(runs.map(column.value)), column.digits)),
      ]
    })
    return `\n${label}\n${formatTable([header, ...rows])}`
  })
  const ratioRows = input.loads.map((load) => {
    const postgres = input.figuresOf("postgres", load.key)
    const sqlite = input.figuresOf("sqlite", load.key)
    return [
      load.name,
      ...columns.map((column) =>
        formatSpread(
          spreadOf(ratiosOf(postgres.map(column.value), sqlite.map(column.value))),
          2,
          "x",
        ),
      ),
    ]
  })
  const adduser = (key: string) => input.adduserSecondsOf(key)
  const both = input.backends.length === 2
  const adduserTimes = input.backends.map(
    (key) => `${labels[key]} ${formatSpread(spreadOf(adduser(key)), 2)}`,
  )
  const adduserRatio = both
    ? [
        `PostgreSQL ÷ SQLite ${formatSpread(spreadOf(ratiosOf(adduser("postgres"), adduser("sqlite"))), 2, "x")}`,
      ]
    : []
  const adduserLine = `\nadduser --from-file, ${input.adduserAccounts} accounts, wall s: ${[...adduserTimes, ...adduserRatio].join(", ")}\n`
  const ratios = both
    ? [
        "\nPostgreSQL ÷ SQLite in the same round, median [lowest–highest]\n",
        formatTable([header, ...ratioRows]),
      ]
    : []
  return [
    `\nmedian round [lowest–highest] of ${input.rounds} interleaved rounds; server CPU measured inside the server over the exchange${input.backends.includes("postgres") ? ", PostgreSQL's (postmaster and its children) by the generator over the same window" : ""}; offline load: msgs/s stored and notified, latency to the notify; 1-min load average ${input.loadBefore.toFixed(1)} before, ${input.loadAfter.toFixed(1)} after\n`,
    ...perBackend,
    ...ratios,
    adduserLine,
  ].join("")
}
