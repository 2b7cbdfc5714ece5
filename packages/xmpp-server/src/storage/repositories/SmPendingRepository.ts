// XEP-0198 crash safety in either backend: the durable copy of every stanza queued to a
// stream-managed session until the client acknowledged it (src/sm/SmPending.ts). Rows are
// numbered by the caller (`seq`, queueing order) so an id is known before its batch commits;
// each process numbers inside a block of `seq` values no other process uses (`reserveSeqs`),
// so nodes sharing one database never collide. Every row names the node that owns it
// (src/sm/SmNode.ts): a starting node recovers its own rows only, and a survivor adopts the
// rows of a node the cluster declared dead (`adopt`).
import type { OfflineAppend, OfflineMessage, OfflineQuota } from "./OfflineRepository.js"
import type { Outcome } from "./Outcome.js"

/** A row of `sm_pending`. */
export interface SmPendingRow {
  readonly seq: number
  /** The node whose session queued it (src/sm/SmNode.ts). */
  readonly node: string
  readonly username: string
  readonly resource: string
  readonly stanza: string
  readonly createdAt: number
}

/** One queued change: a row added, or a row forgotten (acknowledged or rerouted). */
export type SmPendingChange =
  | { readonly kind: "add"; readonly row: SmPendingRow }
  | { readonly kind: "remove"; readonly seq: number }

/** `seq` values this process may number rows with: `first` to `last`, both included. */
export interface SeqBlock {
  readonly first: number
  readonly last: number
}

/** The XEP-0198 pending rows. */
export interface SmPendingRepository {
  /** The highest `seq` in use, 0 when none. Example: `const next = (await sm.lastSeq()) + 1`. */
  lastSeq(): Promise<Outcome<number>>
  /**
   * A block of `seq` values no other process holds or will be given, above every row already
   * there. SQLite (one process): from the highest `seq` + 1 on; PostgreSQL: a block of 2^32 taken
   * from a database sequence. Example: `const { first, last } = await sm.reserveSeqs()`.
   */
  reserveSeqs(): Promise<Outcome<SeqBlock>>
  /** Every row, oldest first. Example: `await sm.all()`. */
  all(): Promise<Outcome<ReadonlyArray<SmPendingRow>>>
  /** The rows `node` owns, oldest first (recovery at start). Example: `await sm.ofNode("n1")`. */
  ofNode(node: string): Promise<Outcome<ReadonlyArray<SmPendingRow>>>
  /**
   * Makes `to` the owner of every row `from` owns, in one statement, and answers exactly those
   * rows, oldest first: of two processes adopting the same node's rows at once, each row goes to
   * one of them (the other waits for the first's row locks, then finds it owned by `to`).
   * Example: `const adopted = await sm.adopt("n2", "n1")`.
   */
  adopt(from: string, to: string): Promise<Outcome<ReadonlyArray<SmPendingRow>>>
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
  /**
   * Takes a stored offline message for a stream-managed session's queue: deletes offline row
   * `key` and, only if this call deleted it, inserts `row`, in one transaction. False when the
   * row was gone (another session, here or on another cluster node, took it first): each stored
   * message goes to exactly one queue, and a crash leaves exactly one copy.
   * Example: `if (await sm.takeFromOffline("42", row)) send(stanza)`.
   */
  takeFromOffline(key: string, row: SmPendingRow): Promise<Outcome<boolean>>
}
