// What the survivors do when a cluster node dies (spec/cluster.md guarantee 6): the node's
// sessions left routing already (src/cluster/ClusterNode.ts); their contacts here learn they
// are unavailable, and once PostgreSQL confirms the node is gone (its lock is free,
// src/cluster/NodeLiveness.ts) one survivor moves its XEP-0198 rows to offline storage.
import type { ServerCore } from "../core/ServerCore.js"
import { recoverDeadNode } from "../sm/SmRecovery.js"
import type { ClusterNode } from "./ClusterNode.js"
import { announceDeadSessions } from "./DeadNodePresence.js"
import { whileDead } from "./NodeLiveness.js"

/** Starts watching `node`'s view of the cluster for deaths. */
export const watchNodeDeaths = (core: ServerCore, node: ClusterNode, databaseUrl: string): void => {
  node.events.nodeDied.push((name, gone) => {
    announceDeadSessions(core, gone)
    void whileDead(databaseUrl, name, core.logger, async () => {
      const recovered = await recoverDeadNode(core, name)
      core.logger.warn("cluster-node-recovered", { node: name, recovered })
    }).catch((error: unknown) =>
      core.logger.error("cluster-node-recovery-failed", { node: name, error }),
    )
  })
}
