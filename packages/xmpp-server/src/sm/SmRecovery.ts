// Crash safety, at server start (issue 5 item 9, XEP-0198 §5): rows of `sm_pending` are
// messages stream-managed sessions had not acknowledged when the previous process died. Those
// sessions cannot be resumed after a restart, so each message goes to its user's offline
// storage (XEP-0160) in queueing order, exactly once: the repository deletes the row in the
// transaction that stores the message (`replacesPending`, smPending.moveToOffline).
// A row whose message offline storage still holds is only deleted: the process died while
// offline delivery was handing that message to a session (the queue's copy commits a turn
// before the stored one is removed, see OfflineDelivery.handedOver), and storing it again
// would deliver it twice to the next session (found by the SIGKILL soak test under load).
// A row whose store failed (not the quota) stays for the next start; a failure is logged.
import type { ModuleApi } from "../modules/ServerModule.js"
import { failed } from "../storage/repositories/Outcome.js"
import type { SmPendingRow } from "../storage/repositories/SmPendingRepository.js"
import { parseElement } from "../xml/parseXml.js"
import { stampQueuedAt } from "./Reroute.js"
import type { PendingStore } from "./SmPending.js"

/** What recovery did with one row: why it was dropped, when it was. */
type Recovered = "stored" | "held" | "kept" | { readonly dropped: string }

/** Moves every left-over row to offline storage (rows it cannot store are logged and dropped). */
export const recoverPending = async (api: ModuleApi, pending: PendingStore): Promise<number> => {
  const rows = await pending.rows.all()
  if (failed(rows)) {
    api.logger.error("sm-pending-recovery-failed", { error: rows })
    return 0
  }
  let moved = 0
  let kept = 0
  for (const row of rows) {
    const outcome = await recoverRow(api, pending, row)
    if (outcome === "stored") moved += 1
    else if (outcome === "held") kept += 1
    else if (outcome !== "kept")
      api.logger.warn("sm-pending-dropped", {
        username: row.username,
        resource: row.resource,
        reason: outcome.dropped,
      })
  }
  if (moved > 0 || kept > 0)
    api.logger.info("sm-pending-recovered", { messages: moved, alreadyStored: kept })
  return moved
}

/** Stores one row's message offline (deleting the row with it), or only deletes the row. */
const recoverRow = async (
  api: ModuleApi,
  pending: PendingStore,
  row: SmPendingRow,
): Promise<Recovered> => {
  const stanza = parseElement(row.stanza)
  const offline = api.stores.offline
  const drop = async (reason: string): Promise<Recovered> =>
    (await deleteRow(api, pending, row)) ? { dropped: reason } : "kept"
  if (stanza === undefined) return drop("unreadable")
  if (offline === undefined || !offline.accepts(stanza)) return drop("no offline storage for it")
  const held = await offline.holds(row.username, row.stanza)
  if (failed(held)) {
    api.logger.error("sm-pending-recovery-failed", { username: row.username, error: held })
    return "kept"
  }
  if (held) return (await deleteRow(api, pending, row)) ? "held" : "kept"
  stampQueuedAt(stanza, api.domain, row.createdAt)
  const result = await offline.store(row.username, stanza, { replacesPending: row.seq })
  if (result.ok) return "stored"
  // The quota refused it: the row went with the refusal. A failed write changed nothing.
  if (result.reason === "quota") return { dropped: result.text }
  api.logger.error("sm-pending-recovery-failed", { username: row.username, reason: result.text })
  return "kept"
}

/** Deletes one row; false (logged) when that failed and the row stays. */
const deleteRow = async (api: ModuleApi, pending: PendingStore, row: SmPendingRow) => {
  const removed = await pending.rows.apply([{ kind: "remove", seq: row.seq }])
  if (!failed(removed)) return true
  api.logger.error("sm-pending-recovery-failed", { username: row.username, error: removed })
  return false
}
