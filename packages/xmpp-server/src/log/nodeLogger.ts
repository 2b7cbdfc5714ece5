// Names the cluster node on every line it logs (`thisNode`), so the interleaved logs of several
// nodes can be read apart (docs/reliability.md "Cluster soak"). A single server logs as before.
// The field is not called `node`: cluster lines already use `node` for the node they are about.
import type { ClusterSection } from "../config/ServerConfig.js"
import type { Logger } from "./Logger.js"

/** `logger` itself for a single server; a logger adding `thisNode: cluster.node` for a node. */
export const nodeLogger = (logger: Logger, cluster: ClusterSection): Logger =>
  cluster.enabled ? logger.child({ thisNode: cluster.node }) : logger
