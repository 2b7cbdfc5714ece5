// The pure parts of `npm run bench:peers`: the results table (our columns with their ratios
// to Prosody and ejabberd) and the CPU profile summary (self time per function inside the
// load window, idle time kept apart).
import { describe, expect, it } from "vitest"
import { summariseProfile } from "../../bench/peers/CpuProfile.js"
import {
  formatLatencyRounds,
  formatPeerTable,
  median,
  type PeerColumn,
} from "../../bench/peers/PeerTable.js"
import type { LoadResult } from "../../bench/runLoad.js"

const result = (deliveredPerSecond: number, p99: number, rssPerSession: number): LoadResult => ({
  clients: 200,
  loginSeconds: 1,
  messagesSent: 20_000,
  messagesDelivered: 20_000,
  ampNotifications: 0,
  exchangeSeconds: 20_000 / deliveredPerSecond,
  deliveredPerSecond,
  latencyP50Milliseconds: p99 / 4,
  latencyP99Milliseconds: p99,
  latencyMaxMilliseconds: p99 * 2,
  latencyP99BySlice: [],
  serverRssBeforeKiB: 20_480,
  serverRssIdleKiB: 20_480 + 200 * rssPerSession,
  serverRssPerIdleSessionKiB: rssPerSession,
  serverPeakRssKiB: 40_960,
  serverCpuMillisecondsPer1000Messages: 100,
  databaseCpuMillisecondsPer1000Messages: Number.NaN,
  processCpuMillisecondsPer1000Messages: [],
  processSyscallsPerMessage: [],
  serverSyscallsPerMessage: 2,
  generatorCpuPercent: 20,
  generatorGcPauseMilliseconds: { total: 3, longest: 1.5 },
  exchangeMonotonicMicroseconds: [0, 1],
  failures: [],
})

const column = (
  name: string,
  rate: number,
  p99: number,
  rss: number,
  roundP99s: ReadonlyArray<number> = [p99],
): PeerColumn => ({
  name,
  fresh: result(rate, p99, rss),
  saturation: result(rate, p99, rss),
  fixedRate: roundP99s.map((roundP99) => result(2000, roundP99, rss)),
})

const cellsOf = (table: string, label: string): Array<string> =>
  (table.split("\n").find((line) => line.startsWith(label)) ?? "")
    .slice(label.length)
    .trim()
    .split(/\s+/)

describe("formatPeerTable", () => {
  const table = formatPeerTable(
    [column("Prosody", 5000, 10, 40), column("ejabberd", 8000, 20, 160)],
    [column("ours AMP on", 10_000, 5, 20)],
  )

  it("puts our value and its ratios to both peers next to the peers' values", () => {
    expect(cellsOf(table, "saturation: delivered msgs/s (higher is better)")).toEqual([
      "5000",
      "8000",
      "10000",
      "2.00x",
      "1.25x",
    ])
    expect(cellsOf(table, "RSS per idle session KiB (lower is better)")).toEqual([
      "40.0",
      "160.0",
      "20.0",
      "0.50x",
      "0.13x",
    ])
  })

  it("names each ratio column after the peer it divides by", () => {
    const header = table.split("\n")[0] ?? ""
    expect(header).toMatch(/Prosody +ejabberd +ours AMP on +÷ Prosody +÷ ejabberd/)
  })

  it("prints a dash for a ratio to zero instead of Infinity", () => {
    const table = formatPeerTable(
      [column("Prosody", 0, 10, 40), column("ejabberd", 8000, 20, 160)],
      [column("ours", 10_000, 5, 20)],
    )
    expect(cellsOf(table, "saturation: delivered msgs/s (higher is better)")).toEqual([
      "0",
      "8000",
      "10000",
      "-",
      "1.25x",
    ])
  })
})

describe("the fixed-rate rounds", () => {
  const peers = [
    column("Prosody", 5000, 10, 40, [20, 22, 21]),
    column("ejabberd", 8000, 2, 160, [2.5, 1.5, 2.0]),
  ] as const
  const ours = [column("ours AMP on", 10_000, 5, 20, [1.0, 3.0, 1.9])]

  it("gives each fixed-rate figure as the median round, with the best and worst p99 beside it", () => {
    const table = formatPeerTable(peers, ours)
    expect(cellsOf(table, "fixed rate: latency p99 ms (lower is better)")).toEqual([
      "21.00",
      "2.00",
      "1.90",
      "0.09x",
      "0.95x",
    ])
    expect(cellsOf(table, "fixed rate: latency p99 ms, best round").slice(0, 3)).toEqual([
      "20.00",
      "1.50",
      "1.00",
    ])
    expect(cellsOf(table, "fixed rate: latency p99 ms, worst round").slice(0, 3)).toEqual([
      "22.00",
      "2.50",
      "3.00",
    ])
  })

  it("lists every round's p99 and counts the rounds where ours was at or below each peer's", () => {
    const text = formatLatencyRounds(peers, ours)
    expect(text).toMatch(/ejabberd +2\.50 +1\.50 +2\.00/)
    expect(text).toMatch(/ours AMP on +1\.00 +3\.00 +1\.90/)
    expect(text).toContain(
      "ours AMP on: p99 at or below Prosody's in 3 of 3, ejabberd's in 2 of 3 rounds",
    )
  })

  it("takes the middle value, or the mean of the middle two", () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNaN()
  })
})

describe("summariseProfile", () => {
  const frame = (id: number, functionName: string, url = "") => ({
    id,
    callFrame: { functionName, url },
  })
  const profile = {
    startTime: 1_000,
    nodes: [
      frame(1, "(idle)"),
      frame(2, "parse", "file:///repo/packages/xmpp-server/src/Parser.ts"),
      frame(3, "(garbage collector)"),
    ],
    // Sample i lasts until sample i+1: times 1000, 1100, 1200, 1300, 1400, 1500 µs.
    samples: [2, 2, 3, 1, 2, 2],
    timeDeltas: [0, 100, 100, 100, 100, 100],
  }

  it("sums self time per function inside the window, idle apart, in % of busy time", () => {
    const summary = summariseProfile(profile, [1_000, 1_350], "/repo", 10)
    expect(summary.idleMilliseconds).toBeCloseTo(0.1)
    expect(summary.busyMilliseconds).toBeCloseTo(0.3)
    expect(summary.top.map((entry) => [entry.location, Math.round(entry.percent)])).toEqual([
      ["packages/xmpp-server/src/Parser.ts:parse", 67],
      ["(garbage collector)", 33],
    ])
  })

  it("keeps only the `limit` largest", () => {
    expect(summariseProfile(profile, [0, 10_000], "/repo", 1).top).toHaveLength(1)
  })
})
