// Crash safety of XEP-0198 sessions (issue 5 item 9, issue 10 item 4): a message written or
// queued to a stream-managed session (connected or hibernated) is also written to `sm_pending`,
// and the sender's `<a/>` waits for that commit (through the session's write tracker, like a
// socket write). The row goes once the client acknowledged the message, or when it is rerouted
// because the session ended. Each row names this process's node (src/sm/SmNode.ts) and is
// numbered inside a block of seq values reserved for this process (nodes sharing a database
// never collide). Writes go to the XEP-0198 repository (either backend) through a
// WriteBatcher: the writes of one event-loop turn are one transaction.
import type { Logger } from "../log/Logger.js"
import { failed, type Outcome } from "../storage/repositories/Outcome.js"
import type {
  SeqBlock,
  SmPendingChange,
  SmPendingRepository,
} from "../storage/repositories/SmPendingRepository.js"
import { WriteBatcher } from "../storage/repositories/WriteBatcher.js"

/**
 * The `stream_management` module's SQLite tables, applied by the backend (`seq` order is queueing order). The second
 * migration keys a row by its `seq` alone: the first had a random UUID under a `UNIQUE` index
 * as well, one more B-tree to write on every insert and delete. The third names each row's node.
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
  // The owning node (src/sm/SmNode.ts); rows already there belong to the single node.
  `ALTER TABLE sm_pending ADD COLUMN node TEXT NOT NULL DEFAULT 'standalone';
   CREATE INDEX sm_pending_by_node ON sm_pending (node, seq);`,
]

/** How many seq values may be left in the block when the next one is reserved. */
const REFILL_BELOW = 2 ** 20

/** The durable copy of messages queued for stream-managed sessions. */
export class PendingStore {
  private readonly batcher: WriteBatcher<SmPendingChange, void>
  /** Inserts not committed yet, by row id: a reroute waits for one before moving its row. */
  private readonly adding = new Map<string, Promise<Outcome<void>>>()
  /** Reroutes and recoveries under way (the stop waits for them). */
  private readonly moving = new Set<Promise<unknown>>()
  /** The next block, once reserved (asked for when this one runs low). */
  private spare: SeqBlock | undefined
  private reserving = false

  private constructor(
    private readonly repository: SmPendingRepository,
    private readonly logger: Logger,
    /** The node that owns the rows this process writes (src/sm/SmNode.ts). */
    readonly node: string,
    /** The `seq` of the next row; rows are numbered here, so an id is known before the commit. */
    private nextSeq: number,
    /** The last `seq` of this process's current block. */
    private lastSeq: number,
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
   * Opens the store: rows are numbered inside a block of seq values no other process uses,
   * owned by `node`.
   * Example: `const pending = await PendingStore.open(api.repositories.smPending, logger, "n1")`.
   */
  static async open(
    repository: SmPendingRepository,
    logger: Logger,
    node: string,
  ): Promise<Outcome<PendingStore>> {
    const block = await repository.reserveSeqs()
    return failed(block)
      ? block
      : new PendingStore(repository, logger, node, block.first, block.last)
  }

  /** The next row's seq; the next block is reserved ahead, while 2^20 values are left. */
  private takeSeq(): number {
    if (this.nextSeq > this.lastSeq && this.spare !== undefined) {
      this.nextSeq = this.spare.first
      this.lastSeq = this.spare.last
      this.spare = undefined
    }
    const seq = this.nextSeq++
    if (this.spare === undefined && !this.reserving && this.lastSeq - this.nextSeq < REFILL_BELOW)
      this.reserveSpare()
    return seq
  }

  private reserveSpare(): void {
    this.reserving = true
    void this.repository.reserveSeqs().then((block) => {
      this.reserving = false
      if (failed(block)) this.logger.error("sm-pending-seq-block-failed", { error: block })
      else this.spare = block
    })
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
    const seq = this.takeSeq()
    const id = String(seq)
    const row = { seq, node: this.node, username, resource, stanza: text, createdAt }
    const written = this.batcher.add({ kind: "add", row })
    this.adding.set(id, written)
    void written.then(() => {
      this.adding.delete(id)
      settled?.()
    })
    return id
  }

  /**
   * Forgets a row: its message was acknowledged by the client, or handed on; `settled` (a
   * write-tracker release) runs once the delete is committed (or its commit failed, logged).
   */
  remove(id: string, settled?: () => void): void {
    void this.batcher.add({ kind: "remove", seq: Number(id) }).then(() => settled?.())
  }

  /**
   * Takes stored offline message `key` for `username/resource`'s queue (src/sm/StoredOrigin.ts):
   * answers the new row's id, or undefined when another session took it first or the write
   * failed (logged; the message stays stored).
   */
  async take(
    key: string,
    username: string,
    resource: string,
    text: string,
    createdAt: number,
  ): Promise<string | undefined> {
    const seq = this.takeSeq()
    const row = { seq, node: this.node, username, resource, stanza: text, createdAt }
    const taken = await this.repository.takeFromOffline(key, row)
    if (!failed(taken)) return taken ? String(seq) : undefined
    this.logger.error("sm-pending-write-failed", { operations: 1, error: taken })
    return undefined
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
