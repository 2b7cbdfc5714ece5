// The scaling table of the cluster bench (issue 23 item 5): cluster capacity for 1, 2, 4 and 8
// nodes COMPUTED from the per-message CPU costs the same run measured, not measured itself.
// The model: users spread uniformly over N nodes, so a message's recipient is on another node
// with probability (N − 1) ÷ N; such a message costs what a measured cross-node message cost
// the two nodes, the rest what a same-node message cost; each node is one Node.js process on a
// core of its own, all equally busy; nats-server and PostgreSQL run on cores of their own,
// and the table says how many cores their measured cost per message comes to at that rate.
// Caveats the output repeats: costs are from the offered rate of the measured rounds (at
// saturation a node batches more and spends less per message), and a real network adds
// latency but no CPU here (all on loopback).

/** CPU per message, µs, summed over all processes of each kind, from the measured rounds. */
export interface MeasuredCosts {
  /** One node alone (N = 1): the node's CPU per message. */
  readonly singleNode: number
  /** Two nodes, sender and recipient on one node: both nodes' CPU per message. */
  readonly sameNodeNodes: number
  /** Two nodes, sender and recipient on different nodes: both nodes' CPU per message. */
  readonly crossNodeNodes: number
  /** nats-server (and PostgreSQL) per same-node message. */
  readonly sameNodeServices: number
  /** nats-server (and PostgreSQL) per cross-node message. */
  readonly crossNodeServices: number
}

/** One row of the computed table. */
export interface ScalingRow {
  readonly nodes: number
  /** (N − 1) ÷ N. */
  readonly crossShare: number
  /** The nodes' CPU per message, µs, averaged over same- and cross-node messages. */
  readonly nodeCpuMicroseconds: number
  /** nats-server's (and PostgreSQL's) CPU per message, µs, likewise. */
  readonly servicesCpuMicroseconds: number
  /** msgs/s with every node's core fully busy. */
  readonly clusterMessagesPerSecond: number
  readonly perNodeMessagesPerSecond: number
  /** Cores nats-server (and PostgreSQL) need at that rate. */
  readonly servicesCores: number
  /** Cluster msgs/s ÷ one node's. */
  readonly speedup: number
}

/** The table's node counts. */
export const SCALING_NODES: ReadonlyArray<number> = [1, 2, 4, 8]

/** Computes the rows for `nodeCounts` from `costs`. */
export const scalingRows = (
  costs: MeasuredCosts,
  nodeCounts: ReadonlyArray<number> = SCALING_NODES,
): ReadonlyArray<ScalingRow> => {
  const oneNode = 1_000_000 / costs.singleNode
  return nodeCounts.map((nodes) => {
    const crossShare = (nodes - 1) / nodes
    const nodeCpu =
      nodes === 1
        ? costs.singleNode
        : (1 - crossShare) * costs.sameNodeNodes + crossShare * costs.crossNodeNodes
    const servicesCpu =
      nodes === 1
        ? costs.sameNodeServices
        : (1 - crossShare) * costs.sameNodeServices + crossShare * costs.crossNodeServices
    const cluster = (nodes * 1_000_000) / nodeCpu
    return {
      nodes,
      crossShare,
      nodeCpuMicroseconds: nodeCpu,
      servicesCpuMicroseconds: servicesCpu,
      clusterMessagesPerSecond: cluster,
      perNodeMessagesPerSecond: cluster / nodes,
      servicesCores: (cluster * servicesCpu) / 1_000_000,
      speedup: cluster / oneNode,
    }
  })
}
