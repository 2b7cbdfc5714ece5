// A stand-in cluster node for tests that need another node to misbehave in one exact way: it
// speaks the directory protocol (src/cluster/ClusterNode.ts: heartbeats, snapshots, one event
// per session it claims), records the delivery batches other nodes send it
// (src/cluster/Deliveries.ts) and answers them only when the test says so, with what it says.
import { randomBytes } from "node:crypto"
import { type ClusterLink, connectCluster } from "../../src/cluster/ClusterLink.js"
import type { SessionEntry } from "../../src/cluster/SessionEntry.js"
import { decode, encode } from "../../src/cluster/Wire.js"
import { silentLogger } from "../../src/log/Logger.js"

/** One delivery batch as received: its first line (`origin incarnation`) and its frames. */
export interface ReceivedBatch {
  readonly header: string
  readonly frames: ReadonlyArray<{
    readonly seq: number
    readonly to: string
    readonly body: string
  }>
}

/** The stand-in node. */
export interface FakeClusterNode {
  readonly name: string
  /** Every delivery batch received so far, oldest first. */
  readonly batches: ReadonlyArray<ReceivedBatch>
  /**
   * Claims a session (full JID) as held here; the other nodes route to it (unless they hold
   * it themselves). `streamManaged`: a resumption asks this node for it; `boundAt` 0 keeps a
   * node's own session of that full JID from being replaced by the claim.
   */
  claim(
    full: string,
    options?: { readonly streamManaged?: boolean; readonly boundAt?: number },
  ): void
  /** Sends a request on `n.<node>.<name>`; resolves with the answer's header (or undefined). */
  request(node: string, name: string, header: unknown, timeoutMs?: number): Promise<unknown>
  /** Answers requests on its own `n.<name>.<what>` with `answer(header)` (once it resolved). */
  serve(what: string, answer: (header: unknown) => unknown): void
  /** Publishes `header` on `n.<node>.<name>`. */
  tell(node: string, name: string, header: unknown): void
  /** Resolves with the first batch, from now on, holding a frame for which `match` is true. */
  nextBatch(match: (body: string) => boolean, timeoutMs?: number): Promise<ReceivedBatch>
  /** Publishes `text` as an answer batch to `origin` (`n.<origin>.ack`). */
  answer(origin: string, text: string): void
  /**
   * Sends `node` one delivery batch with one message for `to` (confirm `w`, number `seq`) and
   * resolves with the answer batch it gets back (`owner incarnation\nSEQ+` and so on).
   */
  deliver(
    node: string,
    seq: number,
    to: string,
    stanza: string,
    timeoutMs?: number,
  ): Promise<string>
  stop(): Promise<void>
}

const decoder = new TextDecoder()
const encoder = new TextEncoder()

const parseBatch = (text: string): ReceivedBatch => {
  let at = text.indexOf("\n")
  const header = text.slice(0, at)
  at += 1
  const frames: Array<ReceivedBatch["frames"][number]> = []
  while (at < text.length) {
    const newline = text.indexOf("\n", at)
    const [seq = "0", , length = "0", ...to] = text.slice(at, newline).split(" ")
    const body = text.slice(newline + 1, newline + 1 + Number(length))
    frames.push({ seq: Number(seq), to: to.join(" "), body })
    at = newline + 1 + Number(length)
  }
  return { header, frames }
}

/** Joins the cluster of `domain` on `natsUrl` as node `name`. */
export const startFakeClusterNode = async (
  name: string,
  natsUrl: string,
  domain = "localhost",
): Promise<FakeClusterNode> => {
  const link: ClusterLink = await connectCluster({
    node: name,
    domain,
    servers: [natsUrl],
    logger: silentLogger,
  })
  const inc = randomBytes(6).toString("base64url")
  let seq = 0
  const entries: Array<SessionEntry> = []
  const batches: Array<ReceivedBatch> = []
  const waiters: Array<{
    match: (body: string) => boolean
    found: (batch: ReceivedBatch) => void
  }> = []
  const subject = (rest: string): string => `${link.prefix}${rest}`
  const heartbeat = (): void => link.publish(subject("hb"), encode({ node: name, inc, seq }))
  const answerWaiters: Array<(text: string) => void> = []
  const unsubscribes = [
    link.subscribe(subject("hello"), () => heartbeat()),
    link.subscribe(subject(`n.${name}.snap`), (_data, reply) =>
      reply?.(encode({ inc, seq, entries, components: [] })),
    ),
    link.subscribe(subject(`n.${name}.ack`), (data) => {
      for (const waiter of answerWaiters.splice(0)) waiter(decoder.decode(data))
    }),
    link.subscribe(subject(`n.${name}.dlv`), (data) => {
      const batch = parseBatch(decoder.decode(data))
      batches.push(batch)
      for (const waiter of [...waiters])
        if (batch.frames.some((frame) => waiter.match(frame.body))) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.found(batch)
        }
    }),
  ]
  const timer = setInterval(heartbeat, 300)
  heartbeat()
  return {
    name,
    batches,
    claim: (full, options = {}) => {
      const entry: SessionEntry = {
        full,
        stream: `fake-${full}`,
        priority: 0,
        available: true,
        presence: "",
        rosterRequested: false,
        hibernated: false,
        streamManaged: options.streamManaged ?? false,
        inactive: false,
        flags: [],
        boundAt: options.boundAt ?? Date.now(),
      }
      entries.push(entry)
      seq += 1
      link.publish(subject("dir"), encode({ node: name, inc, seq, up: entry }))
    },
    nextBatch: (match, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const timeout = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1)
          reject(new Error(`${name}: no delivery batch matched within ${timeoutMs} ms`))
        }, timeoutMs)
        const waiter = {
          match,
          found: (batch: ReceivedBatch) => {
            clearTimeout(timeout)
            resolve(batch)
          },
        }
        waiters.push(waiter)
      }),
    request: async (node, what, header, timeoutMs = 10_000) => {
      const answer = await link.request(subject(`n.${node}.${what}`), encode(header), timeoutMs)
      return answer === undefined ? undefined : decode(answer).header
    },
    serve: (what, answer) => {
      unsubscribes.push(
        link.subscribe(subject(`n.${name}.${what}`), (data, reply) => {
          void Promise.resolve(answer(decode(data).header)).then((value) => reply?.(encode(value)))
        }),
      )
    },
    tell: (node, what, header) => link.publish(subject(`n.${node}.${what}`), encode(header)),
    answer: (origin, text) => link.publish(subject(`n.${origin}.ack`), encoder.encode(text)),
    deliver: (node, number, to, stanza, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const timeout = setTimeout(
          () => reject(new Error(`${name}: no answer from ${node} within ${timeoutMs} ms`)),
          timeoutMs,
        )
        answerWaiters.push((text) => {
          clearTimeout(timeout)
          resolve(text)
        })
        const frame = `${number} w ${stanza.length} ${to}\n${stanza}`
        link.publish(subject(`n.${node}.dlv`), encoder.encode(`${name} ${inc}\n${frame}`))
      }),
    stop: async () => {
      clearInterval(timer)
      for (const unsubscribe of unsubscribes) unsubscribe()
      await link.close()
    },
  }
}
