// Where `npm run bench -- --cluster` puts its clients and whom each sends to
// (bench/cluster/placement.ts): same-node placement never leaves the sender's node, cross-node
// always does, uniform sends (N − 1) ÷ N of the messages to another node, and a layout that
// cannot be made says why instead of sending to the wrong node.
import { describe, expect, it } from "vitest"
import { nodeOf, placementProblem, recipientsOf } from "../../bench/cluster/placement.js"

const crossShare = (placement: "same" | "cross" | "uniform", clients: number, nodes: number) => {
  const recipientOf = recipientsOf(placement, clients, nodes)
  let crossing = 0
  for (let index = 0; index < clients; index++) {
    const recipient = recipientOf(index)
    expect(recipient).not.toBe(index)
    expect(recipient).toBeGreaterThanOrEqual(0)
    expect(recipient).toBeLessThan(clients)
    if (nodeOf(recipient, nodes) !== nodeOf(index, nodes)) crossing++
  }
  return crossing / clients
}

describe("the cluster bench's placement", () => {
  it("keeps same-node messages on the sender's node, on 1, 2 and 4 nodes", () => {
    expect(crossShare("same", 200, 1)).toBe(0)
    expect(crossShare("same", 200, 2)).toBe(0)
    expect(crossShare("same", 200, 4)).toBe(0)
  })

  it("sends every cross-node message to another node, the last client's too", () => {
    expect(crossShare("cross", 200, 2)).toBe(1)
    expect(crossShare("cross", 200, 4)).toBe(1)
    expect(recipientsOf("cross", 4, 2)(3)).toBe(0)
  })

  it("spreads uniform messages over the nodes: (N − 1) ÷ N cross", () => {
    expect(crossShare("uniform", 200, 2)).toBe(0.5)
    expect(crossShare("uniform", 160, 4)).toBe(0.75)
    expect(crossShare("uniform", 200, 1)).toBe(0)
  })

  it("says why a layout cannot be made", () => {
    expect(placementProblem("cross", 200, 1)).toMatch(/at least 2 nodes/)
    expect(placementProblem("same", 201, 2)).toMatch(/multiple of the nodes/)
    expect(placementProblem("same", 2, 2)).toMatch(/more clients than nodes/)
    expect(() => recipientsOf("cross", 200, 1)).toThrow(/placement cross: cross-node/)
  })
})
