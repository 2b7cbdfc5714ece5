// What a server module sees of the cluster (spec/cluster.md): broadcasts to the same module on
// the other nodes over NATS (subject `${prefix}m.<topic>`, JSON headers as in Wire.ts), and the
// deaths of other nodes. The push module shares its registrations this way (guarantee 3).
import type { ClusterNode } from "./ClusterNode.js"
import { decode, encode } from "./Wire.js"

/** The cluster as `ModuleApi.cluster` offers it. */
export interface ModuleCluster {
  /** This node's name. */
  readonly node: string
  /** Sends `message` (JSON) to the other nodes' listeners of `topic`. */
  broadcast(topic: string, message: unknown): void
  /** Listens to the other nodes' broadcasts on `topic`; returns a function that stops it. */
  listen(topic: string, listener: (message: unknown, from: string) => void): () => void
  /** Runs `listener` with the name of every node that died (silent or restarted). */
  onNodeDied(listener: (node: string) => void): void
}

/** The module view of `cluster`. */
export const moduleClusterOf = (cluster: ClusterNode): ModuleCluster => {
  const { link } = cluster
  const subject = (topic: string): string => `${link.prefix}m.${topic}`
  return {
    node: link.node,
    broadcast: (topic, message) =>
      link.publish(subject(topic), encode({ node: link.node, message })),
    listen: (topic, listener) =>
      link.subscribe(subject(topic), (data) => {
        const header = decode<{ node: string; message: unknown }>(data).header
        if (header === undefined || header.node === link.node) return
        listener(header.message, header.node)
      }),
    onNodeDied: (listener) => {
      cluster.events.nodeDied.push((node) => listener(node))
    },
  }
}
