// Which node owns the XEP-0198 pending rows this process writes (`sm_pending.node`): in a
// cluster (`[cluster] enabled = true`) the node's name, `[cluster] node`; a server outside any
// cluster is the one node of its database, named SINGLE_NODE. Rows written before the column
// existed (and rows imported from a dump) belong to SINGLE_NODE too; a cluster node adopts
// those at its start (src/sm/SmRecovery.ts).
import type { ServerConfig } from "../config/ServerConfig.js"

/** The owner of the rows of a server outside any cluster (and of rows older than the column). */
export const SINGLE_NODE = "standalone"

/** The node this process writes rows as. Example: `smNodeOf(core.config)` → "n1" or "standalone". */
export const smNodeOf = (config: ServerConfig): string =>
  config.cluster.enabled ? config.cluster.node : SINGLE_NODE
