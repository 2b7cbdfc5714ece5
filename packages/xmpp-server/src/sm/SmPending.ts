// Crash safety of XEP-0198 sessions (issue 5 item 9, issue 10 item 4): a message written or
// queued to a stream-managed session (connected or hibernated) is also written to `sm_pending`,
// and the sender's `<a/>` waits for that commit (through the session's write tracker, like a
// socket write). The row goes once the client acknowledged the message, or when it is rerouted
// because the session ended. Writes are batched per event-loop turn into one transaction.
import type { Logger } from "../log/Logger.js"
import type { StorageShape } from "../storage/Storage.js"

/**
 * The `stream_management` module's tables (`seq` order is queueing order). The second
 * migration keys a row by its `seq` alone: the first had a random UUID under a `UNIQUE` index
 * as well, one more B-tree to write on every insert and delete.
 */
export const smMigrations: ReadonlyArray<string> = [
  `CREATE TABLE sm_pending (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
     resource TEXT NOT NULL,
     stanza_xml TEXT NOT NULL,
     created_at INTEGER NOT NULL
   )`,
  `CREATE TABLE sm_pending_by_seq (
     seq INTEGER PRIMARY KEY,
     username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
     resource TEXT NOT NULL,
     stanza_xml TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   INSERT INTO sm_pending_by_seq (seq, username, resource, stanza_xml, created_at)
     SELECT seq, username, resource, stanza_xml, created_at FROM sm_pending;
   DROP TABLE sm_pending;
   ALTER TABLE sm_pending_by_seq RENAME TO sm_pending;`,
]

/** A row of `sm_pending`. */
export interface PendingRow {
  readonly id: string
  readonly username: string
  readonly resource: string
  readonly stanza_xml: string
  readonly created_at: number
}

type Operation =
  | { readonly kind: "add"; readonly row: PendingRow; readonly settled: (() => void) | undefined }
  | { readonly kind: "remove"; readonly id: string; readonly settled?: (() => void) | undefined }

/** The durable copy of messages queued for hibernated sessions. */
export class PendingStore {
  private operations: Array<Operation> = []
  private scheduled = false
  private stopped = false
  /** The `seq` of the next row; rows are numbered here, so an id is known before the commit. */
  private nextSeq: number

  constructor(
    private readonly storage: StorageShape,
    private readonly logger: Logger,
  ) {
    storage.migrate("stream_management", smMigrations)
    const last = storage.sql.get<{ readonly last: number | null }>(
      "SELECT MAX(seq) AS last FROM sm_pending",
    )
    this.nextSeq = (last?.last ?? 0) + 1
  }

  /**
   * Records a message queued for `username/resource`; `settled` (a write-tracker release)
   * runs once the row is committed. Returns the row id.
   */
  add(
    username: string,
    resource: string,
    text: string,
    createdAt: number,
    settled?: () => void,
  ): string {
    const id = String(this.nextSeq++)
    const row = { id, username, resource, stanza_xml: text, created_at: createdAt }
    this.enqueue({ kind: "add", row, settled })
    return id
  }

  /** Forgets a row: its message was acknowledged by the client. */
  remove(id: string): void {
    this.enqueue({ kind: "remove", id })
  }

  /** Every row, oldest first (recovery at start). */
  all(): ReadonlyArray<PendingRow> {
    return this.storage.sql.all<PendingRow>(
      `SELECT CAST(seq AS TEXT) AS id, username, resource, stanza_xml, created_at
       FROM sm_pending ORDER BY seq`,
    )
  }

  /** Deletes one row now, inside the caller's transaction if any (recovery). */
  deleteNow(id: string): void {
    this.storage.sql.run("DELETE FROM sm_pending WHERE seq = ?", [Number(id)])
  }

  /**
   * Forgets a row at once, inside the caller's transaction: deletes it, or cancels its insert
   * when that is still waiting for this turn's batch (its ack is released with the batch).
   */
  removeNow(id: string): void {
    const waiting = this.operations.findIndex(
      (operation) => operation.kind === "add" && operation.row.id === id,
    )
    const operation = this.operations[waiting]
    if (operation?.kind === "add")
      this.operations[waiting] = { kind: "remove", id, settled: operation.settled }
    else this.deleteNow(id)
  }

  /** Commits what is pending now; later operations are committed at once (server stopping). */
  stop(): void {
    this.stopped = true
    this.flush()
  }

  private enqueue(operation: Operation): void {
    this.operations.push(operation)
    if (this.stopped) return void this.flush()
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => this.flush())
  }

  /** Applies the batch in one transaction, then releases the acks that waited for it. */
  private flush(): void {
    this.scheduled = false
    const batch = this.operations
    this.operations = []
    if (batch.length === 0) return
    try {
      this.storage.transaction(() => {
        for (const operation of batch) {
          if (operation.kind === "remove") this.deleteNow(operation.id)
          else
            this.storage.sql.run(
              `INSERT INTO sm_pending (seq, username, resource, stanza_xml, created_at)
               VALUES (?, ?, ?, ?, ?)`,
              [
                Number(operation.row.id),
                operation.row.username,
                operation.row.resource,
                operation.row.stanza_xml,
                operation.row.created_at,
              ],
            )
        }
      })
    } catch (error) {
      this.logger.error("sm-pending-write-failed", { operations: batch.length, error })
    }
    for (const operation of batch) operation.settled?.()
  }
}
