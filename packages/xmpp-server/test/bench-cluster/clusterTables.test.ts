// What `npm run bench -- --cluster` prints (bench/cluster/clusterTables.ts,
// bench/cluster/clusterFigures.ts): CPU per message split into nodes, nats-server and
// PostgreSQL from the generator's per-process figures, and cross ÷ same taken within each round
// against the spec's ≤ 2× target, not as a ratio of medians.
import { describe, expect, it } from "vitest"
import {
  type ClusterFigures,
  clusterFigures,
  type MeasuredRun,
} from "../../bench/cluster/clusterFigures.js"
import { formatCpuTable, formatRatio } from "../../bench/cluster/clusterTables.js"

const figures = (totalCpu: number, p99: number): ClusterFigures => ({
  deliveredPerSecond: 5000,
  nodeSyscalls: 4,
  nodeHeapBytes: 3000,
  nodeCpu: totalCpu,
  natsCpu: 0,
  databaseCpu: 0,
  totalCpu,
  nodeCorePercent: [50, 50],
  generatorCpuPercent: 20,
  p50: p99 / 4,
  p99,
  delivered: 20_000,
  sent: 20_000,
})

describe("the cluster bench's figures and tables", () => {
  it("splits the per-process CPU into nodes and nats-server and adds PostgreSQL", () => {
    const result: MeasuredRun = {
      messagesDelivered: 10_000,
      messagesSent: 10_000,
      exchangeSeconds: 2,
      deliveredPerSecond: 5000,
      latencyP50Milliseconds: 0.5,
      latencyP99Milliseconds: 4,
      generatorCpuPercent: 30,
      databaseCpuMillisecondsPer1000Messages: 3,
      processCpuMillisecondsPer1000Messages: [40, 60, 10],
      processSyscallsPerMessage: [2.5, 3, 7],
    }
    const split = clusterFigures(result, [{ allocatedBytes: 2e7 }, { allocatedBytes: 3e7 }], {
      nodes: 2,
      nats: true,
      database: true,
    })
    expect(split.nodeCpu).toBe(100)
    expect(split.natsCpu).toBe(10)
    expect(split.databaseCpu).toBe(3)
    expect(split.totalCpu).toBe(113)
    // nats-server's system calls are not the nodes'.
    expect(split.nodeSyscalls).toBe(5.5)
    // Both nodes' heap meters: 50 MB over 10,000 messages.
    expect(split.nodeHeapBytes).toBe(5000)
    // 40 µs × 10,000 messages = 0.4 s of a 2 s exchange: 20 % of a core.
    expect(split.nodeCorePercent).toEqual([20, 30])
    const ejabberd = clusterFigures(result, [], { nodes: 2, nats: false, database: false })
    expect(ejabberd.totalCpu).toBe(100)
  })

  it("takes cross ÷ same within each round and judges it against the target", () => {
    const same = { label: "same", rounds: [figures(50, 2), figures(100, 4)] }
    const cross = { label: "cross", rounds: [figures(120, 3), figures(150, 12)] }
    // Rounds: 2.4 and 1.5 (median 1.95): met in the median round, in 1 of 2 rounds.
    expect(
      formatRatio({
        label: "CPU",
        numerator: cross,
        denominator: same,
        figure: (f) => f.totalCpu,
        atMost: 2,
      }),
    ).toBe("CPU: 1.95x [1.50–2.40] (target ≤ 2×: met in the median round, 1 of 2 rounds)")
    // p99: 1.5 and 3.0 (median 2.25): not met.
    expect(
      formatRatio({
        label: "p99",
        numerator: cross,
        denominator: same,
        figure: (f) => f.p99,
        atMost: 2,
      }),
    ).toMatch(/^p99: 2\.25x \[1\.50–3\.00\] \(target ≤ 2×: NOT met/)
    expect(
      formatRatio({
        label: "x",
        numerator: cross,
        denominator: { label: "none", rounds: [] },
        figure: (f) => f.p99,
      }),
    ).toBe("x: n/a (not measured)")
    expect(formatCpuTable([same, cross]).split("\n")[1]).toMatch(
      /^same\s+5000 \[5000–5000\]\s+4\.00 \[4\.00–4\.00\]\s+3000 \[3000–3000\]\s+75\.0 \[50\.0–100\.0\]/,
    )
  })
})
