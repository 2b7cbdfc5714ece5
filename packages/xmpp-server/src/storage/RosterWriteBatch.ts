// Group commit for roster writes (issue 25 item 2): the roster changes queued during one
// event-loop turn are committed in one durable transaction (one fsync for many changes, instead
// of one per roster set), and each writer learns its durable outcome afterwards: the server
// answers a roster set, and releases the XEP-0198 ack of the stanza that caused it, only then,
// so nothing it acknowledged is lost. The same shape as the archive's and the XEP-0198 pending
// rows' batches (src/mam/MamTable.ts, src/sm/SmPending.ts); an asynchronous storage backend
// (issue 22) keeps it and commits the batch with its own transaction.
import { type RosterItem, StorageError } from "./Storage.js"

/** One roster change: store `item` (insert or replace), or remove `contact`'s item. */
export type RosterChange =
  | { readonly kind: "put"; readonly item: RosterItem }
  | { readonly kind: "remove"; readonly contact: string }

/** The durable outcome of a queued roster change. */
export type RosterWriteOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: StorageError }

/** A queued change of `username`'s roster, with who waits for its outcome. */
export interface QueuedRosterWrite {
  readonly username: string
  readonly change: RosterChange
  readonly settled: ((outcome: RosterWriteOutcome) => void) | undefined
}

/**
 * Commits `writes` in one transaction and returns one outcome per write, in order (a write
 * that fails alone does not fail the others; a failed commit fails them all).
 */
export type RosterCommit = (
  writes: ReadonlyArray<QueuedRosterWrite>,
) => ReadonlyArray<RosterWriteOutcome>

/** The roster writes waiting for the end of this event-loop turn. */
export class RosterWriteBatch {
  private writes: Array<QueuedRosterWrite> = []
  private scheduled = false

  constructor(private readonly commit: RosterCommit) {}

  /** True while some write waits for its commit. */
  get pending(): boolean {
    return this.writes.length > 0
  }

  /** Queues a write, committed with the others of this turn (setImmediate). */
  add(write: QueuedRosterWrite): void {
    this.writes.push(write)
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => this.flush())
  }

  /** Commits what waits now (before a read from the database, an account change, or close). */
  flush(): void {
    this.scheduled = false
    if (this.writes.length === 0) return
    const batch = this.writes
    this.writes = []
    const outcomes = this.commit(batch)
    batch.forEach((write, index) => {
      write.settled?.(
        outcomes[index] ?? {
          ok: false,
          error: new StorageError("roster.write", "io", "the commit reported no outcome"),
        },
      )
    })
  }
}
