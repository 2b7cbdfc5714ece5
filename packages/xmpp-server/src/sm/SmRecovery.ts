// Crash safety of XEP-0198 sessions (issue 5 item 9, XEP-0198 §5): rows of `sm_pending` are
// messages stream-managed sessions had not acknowledged when their process died. Those sessions
// cannot be resumed, so each message goes to its user's offline storage (XEP-0160) in queueing
// order, exactly once: the repository deletes the row in the transaction that stores the
// message (`replacesPending`, smPending.moveToOffline).
// Two moments: at start a node recovers the rows it owns (src/sm/SmNode.ts) and never another
// live node's; a cluster node also adopts the rows of the single node (written outside any
// cluster or before rows had owners). When the cluster declares a node dead, a survivor calls
// `recoverDeadNode`: it adopts that node's rows in one statement (of two survivors calling it
// at once, each row goes to one) and moves exactly those rows as a start would.
// A row whose message offline storage still holds is only deleted: the process died while
// offline delivery was handing that message to a session (the queue's copy commits a turn
// before the stored one is removed, see OfflineDelivery.handedOver), and storing it again
// would deliver it twice to the next session (found by the SIGKILL soak test under load).
// A row whose store failed (not the quota) stays, owned by the recovering node, for its next
// start; a failure is logged.
import type { ServerCore } from "../core/ServerCore.js"
import type { Logger } from "../log/Logger.js"
import type { ModuleApi } from "../modules/ServerModule.js"
import type { OfflineStore } from "../routing/MessageStores.js"
import { failed } from "../storage/repositories/Outcome.js"
import type {
  SmPendingRepository,
  SmPendingRow,
} from "../storage/repositories/SmPendingRepository.js"
import { parseElement } from "../xml/parseXml.js"
import { stampQueuedAt } from "./Reroute.js"
import { SINGLE_NODE, smNodeOf } from "./SmNode.js"
import type { PendingStore } from "./SmPending.js"

/** What recovery needs of the server. */
interface RecoveryContext {
  readonly domain: string
  readonly logger: Logger
  readonly offline: OfflineStore | undefined
  readonly rows: SmPendingRepository
}

/** What recovery did with one row: why it was dropped, when it was. */
type Recovered = "stored" | "held" | "kept" | { readonly dropped: string }

/** What a recovery of rows did, row by row. */
export interface RecoveryCounts {
  /** Stored in offline storage (each row deleted with its store). */
  readonly stored: number
  /** Only deleted: offline storage held the message already. */
  readonly alreadyStored: number
  /** Deleted without a copy (unreadable, not storable, refused by the quota): logged. */
  readonly dropped: number
  /** Left in place after a failed write (logged): the recovering node's next start retries. */
  readonly kept: number
}

/** The outcome of `recoverDeadNode`. */
export type DeadNodeRecovery =
  | ({ readonly _tag: "Recovered"; readonly adopted: number } & RecoveryCounts)
  | { readonly _tag: "Refused"; readonly reason: string }

/**
 * At start: moves the rows this node owns (and, in a cluster, the single node's rows it adopts)
 * to offline storage. Answers how many were stored.
 */
export const recoverPending = async (api: ModuleApi, pending: PendingStore): Promise<number> => {
  const context: RecoveryContext = {
    domain: api.domain,
    logger: api.logger,
    offline: api.stores.offline,
    rows: pending.rows,
  }
  if (pending.node !== SINGLE_NODE) {
    const adopted = await pending.rows.adopt(SINGLE_NODE, pending.node)
    if (failed(adopted)) api.logger.error("sm-pending-recovery-failed", { error: adopted })
  }
  const rows = await pending.rows.ofNode(pending.node)
  if (failed(rows)) {
    api.logger.error("sm-pending-recovery-failed", { error: rows })
    return 0
  }
  return (await recoverRows(context, rows)).stored
}

/**
 * A cluster node declared `deadNode` dead: adopts its XEP-0198 pending rows for this node in
 * one statement (two survivors calling this at once never both take a row) and moves exactly
 * those rows to offline storage as a start does (delay stamp of when each was queued, the
 * offline quota, one transaction per row). Refused for this node's own name. Never rejects.
 * Example: `const done = await recoverDeadNode(core, "n2")` → `{ _tag: "Recovered", adopted: 3, stored: 3, … }`.
 */
export const recoverDeadNode = async (
  core: ServerCore,
  deadNode: string,
): Promise<DeadNodeRecovery> => {
  const me = smNodeOf(core.config)
  if (deadNode === me)
    return { _tag: "Refused", reason: `"${deadNode}" is this node: its rows are live` }
  const rows = core.repositories.smPending
  const adopted = await rows.adopt(deadNode, me)
  if (failed(adopted)) {
    core.logger.error("sm-pending-recovery-failed", { deadNode, error: adopted })
    return { _tag: "Refused", reason: `cannot adopt the rows of "${deadNode}": ${adopted.message}` }
  }
  const context: RecoveryContext = {
    domain: core.domain,
    logger: core.logger,
    offline: core.modules.stores.offline,
    rows,
  }
  const recovering = recoverRows(context, adopted)
  // A login of one of these users reads its offline messages once they are stored.
  for (const username of new Set(adopted.map((row) => row.username)))
    context.offline?.incoming?.(username, recovering)
  core.sm.pending?.track(recovering)
  const counts = await recovering
  core.logger.info("sm-pending-dead-node-recovered", {
    deadNode,
    adopted: adopted.length,
    ...counts,
  })
  return { _tag: "Recovered", adopted: adopted.length, ...counts }
}

/** Moves `rows` to offline storage one after the other (rows it cannot store are logged). */
const recoverRows = async (
  context: RecoveryContext,
  rows: ReadonlyArray<SmPendingRow>,
): Promise<RecoveryCounts> => {
  let stored = 0
  let alreadyStored = 0
  let dropped = 0
  let kept = 0
  for (const row of rows) {
    const outcome = await recoverRow(context, row)
    if (outcome === "stored") stored += 1
    else if (outcome === "held") alreadyStored += 1
    else if (outcome === "kept") kept += 1
    else {
      dropped += 1
      context.logger.warn("sm-pending-dropped", {
        username: row.username,
        resource: row.resource,
        reason: outcome.dropped,
      })
    }
  }
  if (stored > 0 || alreadyStored > 0)
    context.logger.info("sm-pending-recovered", { messages: stored, alreadyStored })
  return { stored, alreadyStored, dropped, kept }
}

/** Stores one row's message offline (deleting the row with it), or only deletes the row. */
const recoverRow = async (context: RecoveryContext, row: SmPendingRow): Promise<Recovered> => {
  const stanza = parseElement(row.stanza)
  const offline = context.offline
  const drop = async (reason: string): Promise<Recovered> =>
    (await deleteRow(context, row)) ? { dropped: reason } : "kept"
  if (stanza === undefined) return drop("unreadable")
  if (offline === undefined || !offline.accepts(stanza)) return drop("no offline storage for it")
  const held = await offline.holds(row.username, row.stanza)
  if (failed(held)) {
    context.logger.error("sm-pending-recovery-failed", { username: row.username, error: held })
    return "kept"
  }
  if (held) return (await deleteRow(context, row)) ? "held" : "kept"
  stampQueuedAt(stanza, context.domain, row.createdAt)
  const result = await offline.store(row.username, stanza, { replacesPending: row.seq })
  if (result.ok) return "stored"
  // The quota refused it: the row went with the refusal. A failed write changed nothing.
  if (result.reason === "quota") return { dropped: result.text }
  context.logger.error("sm-pending-recovery-failed", {
    username: row.username,
    reason: result.text,
  })
  return "kept"
}

/** Deletes one row; false (logged) when that failed and the row stays. */
const deleteRow = async (context: RecoveryContext, row: SmPendingRow) => {
  const removed = await context.rows.apply([{ kind: "remove", seq: row.seq }])
  if (!failed(removed)) return true
  context.logger.error("sm-pending-recovery-failed", { username: row.username, error: removed })
  return false
}
