// What a server module sees of the cluster (spec/cluster.md): broadcasts to the same module on
// the other nodes over NATS (subject `${prefix}m.<topic>`, JSON headers as in Wire.ts), questions
// to each other node (`${prefix}n.<node>.m.<topic>`) asked once this node joined, before it
// serves, and the deaths of other nodes. The push module shares its registrations this way
// (guarantee 3), and a joining node asks the others which registrations they hold bound.
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
  /**
   * Runs `task` once this node knows the other live nodes, before it serves clients (the
   * start waits for it). Example: `cluster.onJoined(async () => learn(await cluster.ask(...)))`.
   */
  onJoined(task: () => Promise<void>): void
  /** Answers the other nodes' `ask` on `topic` with what `answer` returns (JSON). */
  answer(topic: string, answer: (message: unknown, from: string) => unknown): () => void
  /**
   * Asks every other live node on `topic`; resolves with the answers, and the names of the
   * nodes that gave none within `timeoutMs`.
   */
  ask(topic: string, message: unknown, timeoutMs: number): Promise<AskOutcome>
}

/** What `ModuleCluster.ask` collected. */
export interface AskOutcome {
  readonly answers: ReadonlyArray<{ readonly node: string; readonly answer: unknown }>
  readonly silent: ReadonlyArray<string>
}

/** The module view of `cluster`. */
export const moduleClusterOf = (cluster: ClusterNode): ModuleCluster => {
  const { link } = cluster
  const subject = (topic: string): string => `${link.prefix}m.${topic}`
  const nodeSubject = (node: string, topic: string): string => `${link.prefix}n.${node}.m.${topic}`
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
    onJoined: (task) => {
      cluster.joinTasks.push(task)
    },
    answer: (topic, answer) =>
      link.subscribe(nodeSubject(link.node, topic), (data, reply) => {
        const header = decode<{ node: string; message: unknown }>(data).header
        if (header === undefined || reply === undefined) return
        reply(encode({ node: link.node, answer: answer(header.message, header.node) }))
      }),
    ask: async (topic, message, timeoutMs) => {
      const question = encode({ node: link.node, message })
      const asked = await Promise.all(
        cluster.otherNodes().map(async (node) => {
          const data = await link.request(nodeSubject(node, topic), question, timeoutMs)
          const header = data === undefined ? undefined : decode<{ answer: unknown }>(data).header
          return { node, header }
        }),
      )
      return {
        answers: asked.flatMap(({ node, header }) =>
          header === undefined ? [] : [{ node, answer: header.answer }],
        ),
        silent: asked.flatMap(({ node, header }) => (header === undefined ? [node] : [])),
      }
    },
  }
}
