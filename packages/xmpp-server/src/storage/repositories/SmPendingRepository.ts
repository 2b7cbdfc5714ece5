// XEP-0198 crash safety in either backend: the durable copy of every stanza queued to a
// stream-managed session until the client acknowledged it (src/sm/SmPending.ts). Rows are
// numbered by the caller (`seq`, queueing order) so an id is known before its batch commits.
import type { OfflineAppend, OfflineMessage, OfflineQuota } from "./OfflineRepository.js"
import type { Outcome } from "./Outcome.js"

/** A row of `sm_pending`. */
export interface SmPendingRow {
  readonly seq: number
  readonly username: string
  readonly resource: string
  readonly stanza: string
  readonly createdAt: number
}

/** One queued change: a row added, or a row forgotten (acknowledged or rerouted). */
export type SmPendingChange =
  | { readonly kind: "add"; readonly row: SmPendingRow }
  | { readonly kind: "remove"; readonly seq: number }

/** The XEP-0198 pending rows. */
export interface SmPendingRepository {
  /** The highest `seq` in use, 0 when none. Example: `const next = (await sm.lastSeq()) + 1`. */
  lastSeq(): Promise<Outcome<number>>
  /** Every row, oldest first (recovery at start). Example: `await sm.all()`. */
  all(): Promise<Outcome<ReadonlyArray<SmPendingRow>>>
  /**
   * Applies the changes in order in one transaction; all or nothing.
   * Example: `await sm.apply([{ kind: "add", row }, { kind: "remove", seq: 7 }])`.
   */
  apply(changes: ReadonlyArray<SmPendingChange>): Promise<Outcome<void>>
  /**
   * Hands a pending row's message to offline storage: deletes row `seq` and appends `message`
   * under `quota` in one transaction, so a crash leaves exactly one of the two (recovery at
   * start, reroute when a session ends for good). Refused by the quota, the row still goes (the
   * message cannot be kept; the caller logs it), as when the user's storage is full at reroute.
   * Example: `await sm.moveToOffline(7, message, { maxMessages: 1000 })`.
   */
  moveToOffline(
    seq: number,
    message: OfflineMessage,
    quota: OfflineQuota,
  ): Promise<Outcome<OfflineAppend>>
}
