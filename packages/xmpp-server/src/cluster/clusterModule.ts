// The hooks that tie a cluster node (src/cluster/ClusterNode.ts) to the server: which local
// sessions changed what other nodes see of them (presence, roster request, carbons, XEP-0198
// state), and the outcomes of the deliveries this node took from other nodes (socket writes,
// XEP-0198 acks, held-back stanzas). Installed only when `[cluster] enabled = true`.
import type { ServerModule } from "../modules/ServerModule.js"
import type { Session } from "../session/Session.js"
import type { ClusterNode } from "./ClusterNode.js"

/** The module for `node`. */
export const clusterModule = (node: ClusterNode): ServerModule => ({
  name: "cluster",
  setup: () => {
    // Presence and IQs may change a session's entry (priority, availability, roster request,
    // carbons): look once they were handled, in the same turn.
    const pending = new Set<Session>()
    const flush = (): void => {
      for (const session of pending) node.touched(session)
      pending.clear()
    }
    return {
      stanzaReceived: (session, stanza) => {
        if (stanza.name === "message") return undefined
        if (pending.size === 0) queueMicrotask(flush)
        pending.add(session)
        return undefined
      },
      stanzaWritten: (session, stanza, ok) => node.deliveries.writeSettled(session, stanza, ok),
      acked: (_session, stanza) => node.deliveries.ackSettled(stanza),
      heldBack: (_session, stanza) => node.deliveries.heldBack(stanza),
      gone: (_session, unacked) => node.deliveries.unackedGone(unacked),
      hibernated: (session) => node.touched(session),
      resumed: (session) => node.touched(session),
      ready: () => node.start(),
      stop: () => node.stop(),
    }
  },
})
