// Crash safety of XEP-0198 sessions (issue 5 item 9, issue 10 item 4): a message written or
// queued to a stream-managed session (connected or hibernated) is also written to `sm_pending`,
// and the sender's `<a/>` waits for that commit (through the session's write tracker, like a
// socket write). The row goes once the client acknowledged the message, or when it is rerouted
// because the session ended. Writes go to the XEP-0198 repository (either backend) through a
// WriteBatcher: the writes of one event-loop turn are one transaction.
import type { Logger } from "../log/Logger.js"
import { failed, type Outcome } from "../storage/repositories/Outcome.js"
import type {
  SmPendingChange,
  SmPendingRepository,
} from "../storage/repositories/SmPendingRepository.js"
import { WriteBatcher } from "../storage/repositories/WriteBatcher.js"

/**
 * The `stream_management` module's SQLite tables, applied by the backend (`seq` order is queueing order). The second
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

/** The durable copy of messages queued for stream-managed sessions. */
export class PendingStore {
  private readonly batcher: WriteBatcher<SmPendingChange, void>
  /** Inserts not committed yet, by row id: a reroute waits for one before moving its row. */
  private readonly adding = new Map<string, Promise<Outcome<void>>>()
  /** Reroutes and recoveries under way (the stop waits for them). */
  private readonly moving = new Set<Promise<unknown>>()

  private constructor(
    private readonly repository: SmPendingRepository,
    private readonly logger: Logger,
    /** The `seq` of the next row; rows are numbered here, so an id is known before the commit. */
    private nextSeq: number,
  ) {
    // A batch is all or nothing: every write of it gets the batch's outcome, logged once.
    this.batcher = new WriteBatcher(async (changes) => {
      const outcome = await repository.apply(changes)
      if (failed(outcome))
        logger.error("sm-pending-write-failed", { operations: changes.length, error: outcome })
      return changes.map(() => outcome)
    })
  }

  /**
   * Opens the store: rows are numbered on after the highest one in use.
   * Example: `const pending = await PendingStore.open(api.repositories.smPending, logger)`.
   */
  static async open(
    repository: SmPendingRepository,
    logger: Logger,
  ): Promise<Outcome<PendingStore>> {
    const last = await repository.lastSeq()
    return failed(last) ? last : new PendingStore(repository, logger, last + 1)
  }

  /** The repository (recovery reads and removes rows through it). */
  get rows(): SmPendingRepository {
    return this.repository
  }

  /**
   * Records a message queued for `username/resource`; `settled` (a write-tracker release)
   * runs once the row is committed (or its commit failed, logged). Returns the row id.
   */
  add(
    username: string,
    resource: string,
    text: string,
    createdAt: number,
    settled?: () => void,
  ): string {
    const seq = this.nextSeq++
    const id = String(seq)
    const row = { seq, username, resource, stanza: text, createdAt }
    const written = this.batcher.add({ kind: "add", row })
    this.adding.set(id, written)
    void written.then(() => {
      this.adding.delete(id)
      settled?.()
    })
    return id
  }

  /** Forgets a row: its message was acknowledged by the client, or handed on. */
  remove(id: string): void {
    void this.batcher.add({ kind: "remove", seq: Number(id) })
  }

  /** Resolves once the insert of row `id` has its outcome (at once when it has one already). */
  async written(id: string): Promise<void> {
    await this.adding.get(id)
  }

  /**
   * Keeps the stop waiting for `work` (a reroute or the recovery moving rows to offline
   * storage); a rejection is logged.
   */
  track(work: Promise<unknown>): void {
    this.moving.add(work)
    work.then(
      () => this.moving.delete(work),
      (error: unknown) => {
        this.moving.delete(work)
        this.logger.error("sm-pending-move-failed", { error })
      },
    )
  }

  /** Waits for the reroutes under way, then commits what is queued (the server is stopping). */
  async stop(): Promise<void> {
    while (this.moving.size > 0) await Promise.allSettled([...this.moving])
    await this.batcher.flush()
  }
}
