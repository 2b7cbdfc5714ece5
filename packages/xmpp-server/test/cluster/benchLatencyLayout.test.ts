// The cluster bench's core layouts for its latency part (bench/cluster/latencyLayout.ts): the
// p99 target is judged with a core per node, the all-on-core-0 layout of the CPU part is
// measured beside it (docs/performance.md, "The cross-node tail").
import { describe, expect, it } from "vitest"
import { layoutCores } from "../../bench/cluster/latencyLayout.js"

describe("the cluster bench's latency layouts", () => {
  it("give each node of two a core, nats-server both, and leave the generator unpinned", () => {
    expect(layoutCores("per-node", 2)).toEqual({
      nodes: ["0", "1"],
      nats: "0,1",
      generator: undefined,
    })
  })

  it("keep a 1-node cluster on core 0 with the generator on core 1 in either layout", () => {
    const oneNode = { nodes: ["0"], nats: "0", generator: 1 }
    expect(layoutCores("shared", 1)).toEqual(oneNode)
    expect(layoutCores("per-node", 1)).toEqual({ ...oneNode, nats: "0,1" })
  })

  it("put every server process on core 0 and the generator on core 1 when shared, as the CPU part", () => {
    expect(layoutCores("shared", 2)).toEqual({ nodes: ["0", "0"], nats: "0", generator: 1 })
  })
})
