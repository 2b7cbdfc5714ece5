// Where the cluster bench's clients log in and whom each one sends to (issue 23 item 5). Client
// `index` logs in to node `index % nodes` (the ports in order), so a step of `nodes` along the
// ring lands on the sender's own node and a step of 1 on the next node:
//   same     every message stays on its node (step `nodes`)
//   cross    every message goes to another node (step 1; needs 2 nodes or more)
//   uniform  users spread uniformly over the nodes: the recipient is on each node equally often,
//            so (nodes − 1) ÷ nodes of the messages cross (steps 1 … `nodes` in turn)

/** Which node a message's recipient is on, relative to its sender's. */
export type Placement = "same" | "cross" | "uniform"

export const PLACEMENTS: ReadonlyArray<Placement> = ["same", "cross", "uniform"]

/** The node (0-based, an index into the ports) client `index` logs in to. */
export const nodeOf = (index: number, nodes: number): number => index % nodes

/** Why `placement` cannot be laid out for `clients` on `nodes`, or undefined when it can. */
export const placementProblem = (
  placement: Placement,
  clients: number,
  nodes: number,
): string | undefined => {
  if (nodes < 1) return "at least one node is needed"
  if (placement === "cross" && nodes < 2) return "cross-node messages need at least 2 nodes"
  if (clients % nodes !== 0)
    return `the clients (${clients}) must be a multiple of the nodes (${nodes}), so every node has as many`
  if (clients <= nodes) return `more clients than nodes (${nodes}) are needed`
  return undefined
}

/**
 * The client that client `index` sends to. Throws with the reason when the placement cannot be
 * laid out (see `placementProblem`).
 */
export const recipientsOf = (
  placement: Placement,
  clients: number,
  nodes: number,
): ((index: number) => number) => {
  const problem = placementProblem(placement, clients, nodes)
  if (problem !== undefined) throw new Error(`placement ${placement}: ${problem}`)
  const step = (index: number): number => {
    if (placement === "cross") return 1
    if (placement === "same") return nodes === 1 ? 1 : nodes
    return 1 + (Math.floor(index / nodes) % nodes)
  }
  return (index) => (index + step(index)) % clients
}
