// The one connection a cluster node keeps to NATS (spec/cluster.md): publish, request/reply and
// subscriptions on subjects under `xa.<domain>.`, and whether NATS answers. Everything live
// between nodes goes through this seam (the session directory, remote deliveries, handoffs), so
// tests and the rest of the server never see the NATS client itself.
//
// NATS reconnects by itself (forever, every 250 ms); while it is away, `publish` drops (the
// callers' confirmations time out and fall back as a failed write does), `request` answers
// undefined at once, and `health` says down so new logins are refused (src/cluster/ClusterHealth.ts).
import { connect, type NatsConnection } from "@nats-io/transport-node"
import type { Logger } from "../log/Logger.js"
import { maskedNatsUrls } from "./maskedNatsUrl.js"

/** A message's reply function (request/reply), undefined for a plain publish. */
export type Reply = ((data: Uint8Array) => void) | undefined

/** Called for each message on a subscribed subject, in arrival order. */
export type Handler = (data: Uint8Array, reply: Reply, subject: string) => void

/** What the cluster code uses of NATS. */
export interface ClusterLink {
  /** This node's name (`[cluster] node`). */
  readonly node: string
  /** The subject prefix of this cluster: `xa.<domain>.` (domains' dots become `_`). */
  readonly prefix: string
  /** Sends without waiting; dropped while NATS is away. */
  publish(subject: string, data: Uint8Array): void
  /**
   * Sends and waits for one answer: undefined after `timeoutMs`, when nobody listens on the
   * subject, or while NATS is away.
   */
  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array | undefined>
  /** Listens on a subject (wildcards allowed); returns the unsubscribe function. */
  subscribe(subject: string, handler: Handler): () => void
  /** Resolves once every message published so far reached the NATS server. */
  flush(): Promise<void>
  /** True while connected. */
  isUp(): boolean
  /** Learns each change: false when the connection dropped, true when it is back. */
  onChange(listener: (up: boolean) => void): void
  /** Drains and closes the connection. */
  close(): Promise<void>
}

/** What `connectCluster` needs. */
export interface ClusterLinkOptions {
  readonly node: string
  readonly domain: string
  /** NATS server URLs, e.g. `["nats://127.0.0.1:4222"]`. */
  readonly servers: ReadonlyArray<string>
  readonly logger: Logger
  /** How long the first connection may take; default 5000 ms. */
  readonly connectTimeoutMs?: number
}

/** Why the first connection failed: one line for the operator. */
export class ClusterConnectError extends Error {
  override readonly name = "ClusterConnectError"
}

const subjectPrefix = (domain: string): string => `xa.${domain.replaceAll(".", "_")}.`

/** Wraps a connected NATS client. */
const linkOver = (nc: NatsConnection, options: ClusterLinkOptions): ClusterLink => {
  let up = true
  const listeners: Array<(up: boolean) => void> = []
  const change = (next: boolean): void => {
    if (next === up) return
    up = next
    for (const listener of listeners) listener(next)
  }
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") change(false)
      else if (status.type === "reconnect") change(true)
      else if (status.type === "error")
        options.logger.warn("cluster-nats-error", { error: status.error.message })
    }
  })()
  void nc.closed().then(() => change(false))
  return {
    node: options.node,
    prefix: subjectPrefix(options.domain),
    publish: (subject, data) => {
      if (!up) return
      try {
        nc.publish(subject, data)
      } catch (error) {
        options.logger.warn("cluster-publish-failed", { subject, error })
      }
    },
    request: async (subject, data, timeoutMs) => {
      if (!up) return undefined
      try {
        const answer = await nc.request(subject, data, { timeout: timeoutMs })
        return answer.data
      } catch {
        return undefined
      }
    },
    subscribe: (subject, handler) => {
      const subscription = nc.subscribe(subject, {
        callback: (error, msg) => {
          if (error !== null) return
          const reply: Reply =
            msg.reply === undefined || msg.reply === ""
              ? undefined
              : (data) => {
                  try {
                    msg.respond(data)
                  } catch {
                    // The connection dropped: the requester times out and falls back.
                  }
                }
          try {
            handler(msg.data, reply, msg.subject)
          } catch (failure) {
            options.logger.error("cluster-handler-failed", { subject: msg.subject, error: failure })
          }
        },
      })
      return () => subscription.unsubscribe()
    },
    flush: () => (up ? nc.flush().catch(() => undefined) : Promise.resolve()),
    isUp: () => up,
    onChange: (listener) => void listeners.push(listener),
    close: async () => {
      up = false
      await nc.drain().catch(() => undefined)
    },
  }
}

/**
 * Connects to NATS; a node that cannot reach it at start gets a `ClusterConnectError` with one
 * clear line. Example: `await connectCluster({ node: "n1", domain, servers, logger })`.
 */
export const connectCluster = async (options: ClusterLinkOptions): Promise<ClusterLink> => {
  let nc: NatsConnection
  try {
    nc = await connect({
      servers: [...options.servers],
      name: `xmpp-amp ${options.node}`,
      timeout: options.connectTimeoutMs ?? 5000,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      pingInterval: 2000,
      maxPingOut: 2,
    })
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new ClusterConnectError(
      `cannot reach NATS at ${maskedNatsUrls(options.servers)}: ${reason} (see [cluster] nats)`,
    )
  }
  return linkOver(nc, options)
}
