// RFC 6121 rosters in either backend. Reads are few (the server keeps recently used rosters in
// memory, src/roster/Rosters.ts) and writes are group-committed (a WriteBatcher over `commit`): so
// the repository offers what those two need underneath them, a whole roster to load and a
// batch of changes to commit in one transaction, plus single-item writes for the CLI.
import type { RosterChange } from "../RosterWriteBatch.js"
import type { RosterItem } from "../Storage.js"
import type { Outcome } from "./Outcome.js"

/** One change of one user's roster, as queued by the write batch. */
export interface UserRosterChange {
  readonly username: string
  readonly change: RosterChange
}

/** The users' roster items. */
export interface RosterRepository {
  /** The user's items ordered by contact JID. Example: `await roster.list("juliet")`. */
  list(username: string): Promise<Outcome<ReadonlyArray<RosterItem>>>
  /** Inserts or replaces the item for `item.jid`. Example: `await roster.put("juliet", item)`. */
  put(username: string, item: RosterItem): Promise<Outcome<void>>
  /** Removes the item; false when absent. Example: `await roster.remove("juliet", "romeo@example.net")`. */
  remove(username: string, contact: string): Promise<Outcome<boolean>>
  /**
   * Commits `changes` in one transaction; one outcome per change, in order. A change that
   * fails alone (e.g. its user is gone) fails alone; a failed commit fails them all.
   * Example: `await roster.commit([{ username: "juliet", change: { kind: "put", item } }])`.
   */
  commit(changes: ReadonlyArray<UserRosterChange>): Promise<ReadonlyArray<Outcome<void>>>
  /**
   * True when another process committed to the database since the last call, so cached
   * rosters may be stale (SQLite: `data_version`, asked at most once a second; the CLI's
   * `adduser`/`deluser` while the server runs). Absent where the backend cannot tell
   * (PostgreSQL: cross-node invalidation comes with the cluster, issue 23).
   */
  changedElsewhere?(): boolean
}
