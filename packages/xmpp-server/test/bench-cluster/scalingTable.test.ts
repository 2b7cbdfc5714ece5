// The computed scaling table of `npm run bench -- --cluster` (bench/cluster/scalingTable.ts):
// with (N − 1) ÷ N of messages crossing nodes, a node's cost per message is the mix of the
// measured same- and cross-node costs, and capacity is N cores over it; the printed table says
// it is computed.
import { describe, expect, it } from "vitest"
import { formatScalingTable } from "../../bench/cluster/clusterTables.js"
import { scalingRows } from "../../bench/cluster/scalingTable.js"

const costs = {
  singleNode: 50,
  sameNodeNodes: 50,
  crossNodeNodes: 90,
  sameNodeServices: 0,
  crossNodeServices: 20,
}

describe("the cluster scaling table", () => {
  it("computes 1, 2, 4 and 8 nodes from the per-message costs", () => {
    const rows = scalingRows(costs)
    expect(rows.map((row) => row.nodes)).toEqual([1, 2, 4, 8])
    const [one, two, four] = rows
    expect(one?.clusterMessagesPerSecond).toBeCloseTo(20_000)
    expect(one?.speedup).toBeCloseTo(1)
    // 2 nodes: half cross, (50 + 90) / 2 = 70 µs of node CPU per message, 2 cores.
    expect(two?.nodeCpuMicroseconds).toBeCloseTo(70)
    expect(two?.clusterMessagesPerSecond).toBeCloseTo(2_000_000 / 70)
    expect(two?.servicesCpuMicroseconds).toBeCloseTo(10)
    expect(two?.servicesCores).toBeCloseTo((2_000_000 / 70) * 10e-6)
    // 4 nodes: three quarters cross, 0.25 × 50 + 0.75 × 90 = 80 µs.
    expect(four?.nodeCpuMicroseconds).toBeCloseTo(80)
    expect(four?.speedup).toBeCloseTo(4_000_000 / 80 / 20_000)
  })

  it("prints one line per node count", () => {
    const text = formatScalingTable(costs)
    expect(text.split("\n")[0]).toMatch(/^nodes\s+cross-node share/)
    expect(text).toMatch(/\n2\s+50 %\s+70\.0\s+10\.0\s+28571\s+14286\s+0\.29\s+1\.43x\n/)
  })
})
