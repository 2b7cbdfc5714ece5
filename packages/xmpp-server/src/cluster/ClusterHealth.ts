// Whether this node reaches NATS (spec/cluster.md guarantee 7, issue 23: NATS stopped and
// restarted while the nodes run). The link (src/cluster/ClusterLink.ts) reconnects by itself;
// this watches its changes: the first loss is logged loudly once (`cluster-down`, error level),
// the return once (`cluster-up`, with how long it was away). Meanwhile new logins are refused
// (src/storage/loginRefusal.ts): a node cut off from the others cannot tell whether a resource
// is bound elsewhere nor route to the other nodes' users. Sessions already open keep working
// on this node, as the storage's outage leaves them (src/storage/StorageHealth.ts).
import type { Logger } from "../log/Logger.js"
import type { ClusterLink } from "./ClusterLink.js"
import { maskedNatsUrls } from "./maskedNatsUrl.js"

/** What the stream layer asks. */
export interface ClusterHealthView {
  /** True from the loss of the NATS connection until it is back. */
  isDown(): boolean
}

/** The health of one node's link, until `stop`. */
export interface ClusterHealth extends ClusterHealthView {
  /** Stops logging (at server stop: closing the link is no outage). */
  stop(): void
}

/** What the health needs. */
export interface ClusterHealthOptions {
  readonly link: Pick<ClusterLink, "node" | "isUp" | "onChange">
  /** The NATS URLs, for the log lines. */
  readonly servers: ReadonlyArray<string>
  readonly logger: Logger
  readonly now?: () => number
}

/** Watches a link. Example: `clusterHealth({ link, servers: config.cluster.nats, logger })`. */
export const clusterHealth = (options: ClusterHealthOptions): ClusterHealth => {
  const now = options.now ?? Date.now
  const where = { node: options.link.node, nats: maskedNatsUrls(options.servers) }
  let downSince: number | undefined
  let stopped = false

  const down = (): void => {
    if (downSince !== undefined || stopped) return
    downSince = now()
    options.logger.error("cluster-down", {
      ...where,
      note: "lost the connection to NATS: new logins are refused until it is back (reconnecting every 250 ms); open sessions stay",
    })
  }
  const up = (): void => {
    if (downSince === undefined || stopped) return
    options.logger.warn("cluster-up", { ...where, down_ms: now() - downSince })
    downSince = undefined
  }
  options.link.onChange((isUp) => (isUp ? up() : down()))
  if (!options.link.isUp()) down()
  return {
    isDown: () => downSince !== undefined,
    stop: () => {
      stopped = true
    },
  }
}
