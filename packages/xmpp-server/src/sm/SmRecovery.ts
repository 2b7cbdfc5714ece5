// Crash safety, at server start (issue 5 item 9, XEP-0198 §5): rows of `sm_pending` are
// messages stream-managed sessions had not acknowledged when the previous process died. Those
// sessions cannot be resumed after a restart, so each message goes to its user's offline
// storage (XEP-0160) in queueing order, exactly once: store and delete share one transaction.
// A row whose message offline storage still holds is only deleted: the process died while
// offline delivery was handing that message to a session (the queue's copy commits a turn
// before the stored one is removed, see OfflineDelivery.handedOver), and storing it again
// would deliver it twice to the next session (found by the SIGKILL soak test under load).
import type { ModuleApi } from "../modules/ServerModule.js"
import { parseElement } from "../xml/parseXml.js"
import { stampQueuedAt } from "./Reroute.js"
import type { PendingStore } from "./SmPending.js"

/** Moves every left-over row to offline storage (rows it cannot store are logged and dropped). */
export const recoverPending = (api: ModuleApi, pending: PendingStore): number => {
  let moved = 0
  let kept = 0
  for (const row of pending.all()) {
    const stanza = parseElement(row.stanza_xml)
    const offline = api.stores.offline
    const outcome = api.storage.transaction(() => {
      pending.deleteNow(row.id)
      if (stanza === undefined) return "unreadable"
      if (offline === undefined || !offline.accepts(stanza)) return "no offline storage for it"
      if (offline.holds(row.username, row.stanza_xml)) return "held"
      stampQueuedAt(stanza, api.domain, row.created_at)
      const result = offline.store(row.username, stanza)
      return result.ok ? "stored" : result.text
    })
    if (outcome === "stored") moved += 1
    else if (outcome === "held") kept += 1
    else
      api.logger.warn("sm-pending-dropped", {
        username: row.username,
        resource: row.resource,
        reason: outcome,
      })
  }
  if (moved > 0 || kept > 0)
    api.logger.info("sm-pending-recovered", { messages: moved, alreadyStored: kept })
  return moved
}
