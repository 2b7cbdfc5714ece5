// Group commit for hot-path writes on either backend (spec/cluster.md "Storage"): the writes
// queued during one event-loop turn (or, with `windowMilliseconds`, one commit window) go to
// the backend as one batch, committed in one transaction, and each writer's promise then
// settles with its own durable outcome. One batch commits at a time; writes that arrive while
// it commits form the next batch, so batches grow with the load instead of queuing commits.
// The roster, archive and XEP-0198 pending writes of the server use one batcher each.
import { StorageError } from "../Storage.js"
import type { Outcome } from "./Outcome.js"

/** Commits one batch; answers one outcome per write, in order. Must not reject. */
export type CommitBatch<W, R> = (writes: ReadonlyArray<W>) => Promise<ReadonlyArray<Outcome<R>>>

/** When a batch is committed, and how large one may grow. */
export interface BatchTiming {
  /** 0 (default): at the end of the event-loop turn; more: that long after the first write. */
  readonly windowMilliseconds?: number
  /** A batch holds at most this many writes (default 1000); the rest go in the next one. */
  readonly maxBatch?: number
}

interface Queued<W, R> {
  readonly write: W
  readonly settle: (outcome: Outcome<R>) => void
}

/**
 * Queues writes and commits them in batches. Example:
 * `const archiving = new WriteBatcher((rows) => archive.append(rows))`, then
 * `const outcome = await archiving.add(row)` (answer the client only once it is not a failure).
 */
export class WriteBatcher<W, R> {
  private queue: Array<Queued<W, R>> = []
  private scheduled = false
  private committing: Promise<void> | undefined
  private readonly windowMilliseconds: number
  private readonly maxBatch: number

  constructor(
    private readonly commit: CommitBatch<W, R>,
    timing: BatchTiming = {},
  ) {
    this.windowMilliseconds = timing.windowMilliseconds ?? 0
    this.maxBatch = Math.max(1, timing.maxBatch ?? 1000)
  }

  /** Writes waiting or being committed. */
  get pending(): number {
    return this.queue.length
  }

  /** Queues `write`; resolves with its durable outcome once its batch committed. Never rejects. */
  add(write: W): Promise<Outcome<R>> {
    return new Promise((settle) => {
      this.queue.push({ write, settle })
      this.schedule()
    })
  }

  /** Commits everything queued now (before a read that must see it, or at stop). */
  async flush(): Promise<void> {
    while (this.committing !== undefined || this.queue.length > 0) {
      if (this.committing !== undefined) await this.committing
      else this.start()
    }
  }

  private schedule(): void {
    if (this.scheduled || this.committing !== undefined) return
    this.scheduled = true
    const run = () => {
      this.scheduled = false
      if (this.committing === undefined) this.start()
    }
    if (this.windowMilliseconds > 0) setTimeout(run, this.windowMilliseconds)
    else setImmediate(run)
  }

  private start(): void {
    if (this.queue.length === 0) return
    const batch = this.queue.slice(0, this.maxBatch)
    this.queue = this.queue.slice(batch.length)
    this.committing = this.run(batch).finally(() => {
      this.committing = undefined
      if (this.queue.length > 0) this.schedule()
    })
  }

  private async run(batch: ReadonlyArray<Queued<W, R>>): Promise<void> {
    let outcomes: ReadonlyArray<Outcome<R>>
    try {
      outcomes = await this.commit(batch.map((queued) => queued.write))
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      const failure = new StorageError("batch.commit", "io", message)
      outcomes = batch.map(() => failure)
    }
    batch.forEach((queued, index) => {
      queued.settle(
        index < outcomes.length
          ? (outcomes[index] as Outcome<R>)
          : new StorageError("batch.commit", "io", "the commit reported no outcome"),
      )
    })
  }
}
