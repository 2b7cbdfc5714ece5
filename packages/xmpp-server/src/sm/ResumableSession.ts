// A session that asked for XEP-0198 resumption, as the server's shared state holds it: what
// the shutdown and the resumption lookup need of it. The connection class implements it; the
// shared state depends on this narrow view only, not on the connection (no import circle).

import type { HandedSession } from "../cluster/HandedSession.js"
import type { Unacked } from "./SmStream.js"

/** A connected or hibernated session that can be resumed. */
export interface ResumableSession {
  /** The account (`user@domain`). */
  readonly bare: string
  /** True once the session ended for good (it cannot be resumed any more). */
  readonly closed: boolean
  /** Ends a hibernated session now (its unacknowledged messages go to offline storage). */
  endHibernation(): void
  /**
   * Moves the session to another cluster node (src/cluster/ClusterNode.ts): applies the
   * client's `h` and leaves this node; the caller keeps the unacknowledged entries until the
   * new node confirms.
   */
  handOver(h: number): { session: HandedSession; entries: ReadonlyArray<Unacked> } | "h-too-high"
  /**
   * Runs `task` once what the client's stanzas counted so far caused reached the sockets and
   * storage (what `<a/>` waits for, src/sm/Handoff.ts). Meanwhile the session does not end when
   * its resume timeout runs out (it ends after `task` if it is still here then): the node that
   * asked for it waits for the answer with the client.
   */
  whenHandled(task: () => void): void
}
