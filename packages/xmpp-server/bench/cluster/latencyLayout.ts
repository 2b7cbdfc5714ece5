// Where the cluster bench's latency part (b) runs each process (docs/performance.md, "The
// cross-node tail"). "per-node": node N on core (N−1) mod 2, nats-server on both cores, the
// generator unpinned (there is no third core) — how the p99 target is judged, since a
// cross-node message then waits for no more scheduling than a same-node one; a 1-node cluster
// keeps its node on core 0 and the generator on core 1. "shared": every server process on
// core 0 and the generator on core 1, as the CPU part (a) — printed too, not the target's
// measure: there a cross-node message needs three processes scheduled in turn on one core.

/** A core layout of part (b). */
export type LatencyLayout = "per-node" | "shared"

export const LATENCY_LAYOUTS: ReadonlyArray<LatencyLayout> = ["per-node", "shared"]

/** Cores as taskset takes them, per node and for nats-server, and the generator's core. */
export interface LayoutCores {
  readonly nodes: ReadonlyArray<string>
  readonly nats: string
  /** Undefined: the generator is not pinned. */
  readonly generator: number | undefined
}

/** The cores of `layout` for a cluster of `nodes` nodes on a 2-core machine. */
export const layoutCores = (layout: LatencyLayout, nodes: number): LayoutCores => {
  const perNode = layout === "per-node"
  return {
    nodes: Array.from({ length: nodes }, (_, index) => (perNode ? String(index % 2) : "0")),
    nats: perNode ? "0,1" : "0",
    generator: perNode && nodes > 1 ? undefined : 1,
  }
}
