// The server's RFC 6121 rosters in memory, above the asynchronous roster repository (issue 22,
// docs/STORAGE.md "Roster"). Every presence change reads a whole roster and every AMP message
// one item (XEP-0079 §9), so reads must be synchronous: a roster is loaded (awaited, once) when
// a session binds, and stays cached while the user has sessions ("pinned"); other users' rosters
// (an offline contact of a subscription request, the recipient of an AMP message) are loaded
// on their first use and kept among the `capacity` most recently loaded (the one loaded first
// goes when full). Work that needs a roster that is not cached waits for its load behind the
// earlier work of that user, so the user's stanzas keep their order (`whenLoaded`).
//
// A write changes the cached copy in place at once (O(1): a user with thousands of items pays
// nothing, issue 25 item 2) and is committed with the other roster writes of the event-loop
// turn through a `WriteBatcher` over `roster.commit`; `settled` learns the durable outcome
// (the IQ result, the pushes and the XEP-0198 ack wait for it). A failed write, and another
// process's commit (SQLite's `data_version`, `RosterRepository.changedElsewhere`), make the
// affected rosters read again: an unpinned one is dropped, a pinned one reloaded in the
// background (the writes made meanwhile are replayed on the reloaded copy). On PostgreSQL there
// is no such signal yet: cross-node invalidation comes with the cluster (issue 23).
import type { Logger } from "../log/Logger.js"
import type { RosterChange, RosterWriteOutcome } from "../storage/RosterWriteBatch.js"
import { failed, type Outcome } from "../storage/repositories/Outcome.js"
import type {
  RosterRepository,
  UserRosterChange,
} from "../storage/repositories/RosterRepository.js"
import { WriteBatcher } from "../storage/repositories/WriteBatcher.js"
import type { RosterItem } from "../storage/Storage.js"
import { CachedRoster } from "./CachedRoster.js"

/** Rosters kept in memory for users without sessions (the one loaded first goes when full). */
export const defaultRosterCapacity = 10_000

/** A synchronous roster read of a user whose roster is not cached: a bug in the caller. */
export class RosterNotLoaded extends Error {
  readonly _tag = "RosterNotLoaded"
  constructor(readonly username: string) {
    super(`the roster of ${username} was read before it was loaded (await rosters.load first)`)
  }
}

/**
 * Runs `read`, which may read cached rosters; answers the `RosterNotLoaded` it threw (whose
 * roster must be loaded first) instead of throwing. Example: `readCached(() => decide(message))`.
 */
export const readCached = <A>(read: () => A): A | RosterNotLoaded => {
  try {
    return read()
  } catch (error) {
    if (error instanceof RosterNotLoaded) return error
    throw error
  }
}

/** What modules may read of the rosters (ModuleApi): cached reads and the load. */
export interface RosterReader {
  /** True when `username`'s roster is cached and nothing waits for it: reads answer at once. */
  ready(username: string): boolean
  /** The item of `contact` in a cached roster. Throws `RosterNotLoaded` when not cached. */
  get(username: string, contact: string): RosterItem | undefined
  /** Loads (once) and caches the roster. Example: `if (failed(await rosters.load("juliet"))) …`. */
  load(username: string): Promise<Outcome<void>>
}

/** A load in flight: the writes made meanwhile (replayed on what it reads), who waits. */
interface Loading {
  readonly replay: Array<RosterChange>
  readonly waiters: Array<(outcome: Outcome<void>) => void>
}

/** How long another cluster node's roster write is replayed over loads here. */
const remoteWindowMs = 10_000

/** The rosters of the server (one per server, on the core). */
export class Rosters implements RosterReader {
  /** Rosters of users with sessions: never evicted while pinned. */
  private readonly pinned = new Map<string, CachedRoster>()
  private readonly pins = new Map<string, number>()
  /** Other users' rosters, the `capacity` loaded last. */
  private readonly recent = new Map<string, CachedRoster>()
  private readonly loading = new Map<string, Loading>()
  private readonly batcher: WriteBatcher<UserRosterChange, void>
  /**
   * Learns each write as it is applied, before anything it causes is sent (a cluster node
   * tells the others, src/cluster/ClusterNode.ts, ahead of the stanzas on the same connection).
   */
  written: ((username: string, change: RosterChange) => void) | undefined = undefined
  /**
   * Other nodes' writes of the last `remoteWindowMs`: a load replays them over what it read,
   * since the writer's commit may land after this node's read.
   */
  private readonly remoteWrites = new Map<string, Array<{ at: number; change: RosterChange }>>()

  constructor(
    private readonly repository: RosterRepository,
    private readonly logger: Logger,
    private readonly capacity = defaultRosterCapacity,
  ) {
    this.batcher = new WriteBatcher((changes) => repository.commit(changes))
  }

  ready(username: string): boolean {
    this.noticeExternalWrites()
    // A cached roster being read again (after a failed write) is served meanwhile.
    return this.cached(username) !== undefined && !this.hasWaiters(username)
  }

  /** True while work for the user waits for its roster (later work must wait behind it). */
  isLoading(username: string): boolean {
    return this.loading.has(username) && !this.ready(username)
  }

  /** The user's items by contact JID. Throws `RosterNotLoaded` when not cached. */
  list(username: string): ReadonlyArray<RosterItem> {
    return this.rosterOf(username).list()
  }

  get(username: string, contact: string): RosterItem | undefined {
    return this.rosterOf(username).get(contact)
  }

  /** How many items the user has, hidden ones included. Throws `RosterNotLoaded`. */
  count(username: string): number {
    return this.rosterOf(username).count
  }

  load(username: string): Promise<Outcome<void>> {
    return new Promise((resolve) => this.whenLoaded(username, resolve))
  }

  /**
   * Runs `work` once the roster is cached: now when it is and no earlier work of the user
   * waits, else after the load (one load for every waiter), in the order of the calls.
   * `work` gets the load's failure, if it failed (nothing is cached then).
   */
  whenLoaded(username: string, work: (outcome: Outcome<void>) => void): void {
    if (this.ready(username)) return void work(undefined)
    const loading = this.loading.get(username)
    if (loading !== undefined) return void loading.waiters.push(work)
    this.startLoad(username, [work])
  }

  /** A session of `username` bound (its roster is cached: call inside `whenLoaded`). */
  pin(username: string): void {
    const count = this.pins.get(username) ?? 0
    this.pins.set(username, count + 1)
    if (count > 0) return
    const roster = this.recent.get(username)
    if (roster === undefined) return
    this.recent.delete(username)
    this.pinned.set(username, roster)
  }

  /** A session of `username` ended: the last one moves the roster among the recent ones. */
  unpin(username: string): void {
    const count = (this.pins.get(username) ?? 0) - 1
    if (count > 0) return void this.pins.set(username, count)
    this.pins.delete(username)
    const roster = this.pinned.get(username)
    if (roster === undefined) return
    this.pinned.delete(username)
    this.keepRecent(username, roster)
  }

  /**
   * Applies `change` to the cached roster at once and queues its commit; `settled` learns the
   * durable outcome. Example: `rosters.write("juliet", { kind: "put", item }, (o) => reply(o.ok))`.
   */
  write(
    username: string,
    change: RosterChange,
    settled?: (outcome: RosterWriteOutcome) => void,
  ): void {
    this.cached(username)?.apply(change)
    this.loading.get(username)?.replay.push(change)
    this.written?.(username, change)
    void this.batcher.add({ username, change }).then((outcome) => {
      if (failed(outcome)) {
        // What reads saw of the write is not in the database: read the roster again.
        this.readAgain(username)
        settled?.({ ok: false, error: outcome })
      } else settled?.({ ok: true })
    })
  }

  /**
   * The account was deleted (or created again): a pinned roster becomes empty (its sessions
   * are being closed), another one is dropped.
   */
  forget(username: string): void {
    this.recent.delete(username)
    if (this.pinned.has(username)) this.pinned.set(username, CachedRoster.of([]))
  }

  /** Commits the queued writes (at stop, or before reading the database directly). */
  flush(): Promise<void> {
    return this.batcher.flush()
  }

  private hasWaiters(username: string): boolean {
    const loading = this.loading.get(username)
    return loading !== undefined && loading.waiters.length > 0
  }

  private cached(username: string): CachedRoster | undefined {
    return this.pinned.get(username) ?? this.recent.get(username)
  }

  // Reads do not look for other processes' writes (`ready` does): a roster found ready stays
  // readable for the rest of the work that checked it.
  private rosterOf(username: string): CachedRoster {
    const roster = this.cached(username)
    if (roster === undefined) throw new RosterNotLoaded(username)
    return roster
  }

  private keepRecent(username: string, roster: CachedRoster): void {
    if (!this.recent.has(username) && this.recent.size >= this.capacity) {
      const oldest = this.recent.keys().next()
      if (oldest.done !== true) this.recent.delete(oldest.value)
    }
    this.recent.set(username, roster)
  }

  private store(username: string, roster: CachedRoster): void {
    if (this.pins.has(username)) this.pinned.set(username, roster)
    else this.keepRecent(username, roster)
  }

  /** Loads the roster; the waiters run in order once it is cached (or failed to load). */
  private startLoad(username: string, waiters: Array<(outcome: Outcome<void>) => void>): void {
    const now = Date.now()
    const remote = (this.remoteWrites.get(username) ?? []).filter(
      (write) => now - write.at < remoteWindowMs,
    )
    const loading: Loading = { replay: remote.map((write) => write.change), waiters }
    this.loading.set(username, loading)
    void this.read(username).then((items) => {
      if (this.loading.get(username) === loading) this.loading.delete(username)
      const outcome = this.cache(username, items, loading.replay)
      for (const waiter of loading.waiters) {
        try {
          waiter(outcome)
        } catch (error) {
          this.logger.error("roster-waiter-failed", { user: username, error })
        }
      }
    })
  }

  /** Caches what a load read, with the writes made meanwhile; or logs why it failed. */
  private cache(
    username: string,
    items: Outcome<ReadonlyArray<RosterItem>>,
    replay: ReadonlyArray<RosterChange>,
  ): Outcome<void> {
    if (failed(items)) {
      this.logger.error("roster-load-failed", { user: username, error: items })
      return items
    }
    const roster = CachedRoster.of(items)
    for (const change of replay) roster.apply(change)
    this.store(username, roster)
  }

  /** The stored roster, after the queued writes were committed (a read must not miss one). */
  private async read(username: string): Promise<Outcome<ReadonlyArray<RosterItem>>> {
    await this.batcher.flush()
    return this.repository.list(username)
  }

  /**
   * Another cluster node wrote to the user's roster (and commits it): the cached roster takes
   * the change at once, a load in flight replays it, and so does a load that starts within
   * `remoteWindowMs` (it may read the database before that node's commit).
   */
  changedElsewhere(username: string, change: RosterChange): void {
    this.cached(username)?.apply(change)
    this.loading.get(username)?.replay.push(change)
    const now = Date.now()
    const kept = (this.remoteWrites.get(username) ?? []).filter(
      (write) => now - write.at < remoteWindowMs,
    )
    kept.push({ at: now, change })
    this.remoteWrites.set(username, kept)
    if (this.remoteWrites.size > 1000) this.forgetOldRemoteWrites(now)
  }

  private forgetOldRemoteWrites(now: number): void {
    for (const [username, writes] of this.remoteWrites)
      if (writes.every((write) => now - write.at >= remoteWindowMs))
        this.remoteWrites.delete(username)
  }

  /** A pinned roster is reloaded in the background (served meanwhile); another is dropped. */
  private readAgain(username: string): void {
    if (!this.pinned.has(username)) return void this.recent.delete(username)
    if (this.loading.has(username)) return
    this.startLoad(username, [])
  }

  /** Another process committed (SQLite's `data_version`): every roster is read again. */
  private noticeExternalWrites(): void {
    if (this.repository.changedElsewhere?.() !== true) return
    this.recent.clear()
    for (const username of this.pinned.keys()) this.readAgain(username)
  }
}
