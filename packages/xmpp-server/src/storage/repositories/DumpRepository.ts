// The whole database as records, for `xmpp-amp-server export` and `import` (issue 22 item 4,
// spec/cluster.md "Storage": moving a SQLite deployment into PostgreSQL and back). One record
// per row of every table, in the same plain JSON shape on both backends (integers as numbers,
// flags as booleans, lists and forms as JSON), keeping what order and identity depend on:
// archive and offline sequence numbers, archive ids, every timestamp. Each backend reads and
// writes its tables directly (src/storage/sqlite/SqliteDump.ts, postgres/PostgresDump.ts).
import type { Outcome } from "./Outcome.js"

/** An account with its SCRAM keys (RFC 5802; the password itself is never stored). */
export interface AccountRecord {
  readonly type: "account"
  readonly username: string
  readonly sha1_salt: string
  readonly sha1_iterations: number
  readonly sha1_stored_key: string
  readonly sha1_server_key: string
  readonly sha256_salt: string
  readonly sha256_iterations: number
  readonly sha256_stored_key: string
  readonly sha256_server_key: string
  readonly created_at: number
}

/** One RFC 6121 roster item of `username`. */
export interface RosterRecord {
  readonly type: "roster"
  readonly username: string
  readonly jid: string
  readonly name: string | null
  readonly subscription: "none" | "to" | "from" | "both"
  readonly ask_out: boolean
  readonly pending_in: string | null
  readonly groups: ReadonlyArray<string>
}

/** A stored offline message; `extra` is the data the AMP plugin keeps beside it. */
export interface OfflineRecord {
  readonly type: "offline"
  readonly seq: number
  readonly username: string
  readonly stanza: string
  readonly extra: string | null
  readonly message_key: string | null
  readonly stored_at: number
}

/** One archived copy (XEP-0313), `seq` its archive order, `id` its public stanza-id. */
export interface ArchiveRecord {
  readonly type: "archive"
  readonly seq: number
  readonly id: string
  readonly username: string
  readonly direction: string
  readonly peer: string
  readonly peer_full: string
  readonly stanza: string
  readonly message_key: string | null
  readonly stamp: number
}

/** A user's XEP-0313 archiving preferences. */
export interface MamPrefsRecord {
  readonly type: "mam_prefs"
  readonly username: string
  readonly default_mode: string
  readonly always: ReadonlyArray<string>
  readonly never: ReadonlyArray<string>
}

/** A XEP-0198 message written to a stream-managed session and not yet acknowledged. */
export interface SmPendingRecord {
  readonly type: "sm_pending"
  readonly seq: number
  readonly username: string
  readonly resource: string
  readonly stanza_xml: string
  readonly created_at: number
}

/** A pending AMP rule (`expire-at`) the plugin fires at `expires_at`. */
export interface AmpPendingRecord {
  readonly type: "amp_pending"
  readonly id: string
  readonly recipient: string
  readonly expires_at: number
  readonly data: string
}

/** A XEP-0357 push registration of `username`. */
export interface PushRegistrationRecord {
  readonly type: "push_registration"
  readonly username: string
  readonly user: string
  readonly service: string
  readonly node: string
  readonly publish_options: unknown
  readonly last_used: number
  readonly error_count: number
}

/** One row of the database. */
export type DumpRecord =
  | AccountRecord
  | RosterRecord
  | OfflineRecord
  | ArchiveRecord
  | MamPrefsRecord
  | SmPendingRecord
  | AmpPendingRecord
  | PushRegistrationRecord

/** The record types, in the order they are exported and imported (accounts first). */
export const dumpRecordTypes = [
  "account",
  "roster",
  "offline",
  "archive",
  "mam_prefs",
  "sm_pending",
  "amp_pending",
  "push_registration",
] as const satisfies ReadonlyArray<DumpRecord["type"]>

/** Rows per record type. */
export type DumpCounts = Readonly<Record<DumpRecord["type"], number>>

/** Reads or fills the whole database of one backend. */
export interface DumpRepository {
  /** How many rows each table holds (all zero: an empty database). */
  counts(): Promise<Outcome<DumpCounts>>
  /**
   * Every row, accounts first, each table in key order; a failure is yielded as the last item.
   * Example: `for await (const record of dump.exportAll()) if (failed(record)) …`.
   */
  exportAll(): AsyncIterable<Outcome<DumpRecord>>
  /**
   * Writes `records` in one transaction into an empty database: all of them, or nothing (a
   * database that is not empty is refused untouched). Answers what it wrote.
   */
  importAll(records: ReadonlyArray<DumpRecord>): Promise<Outcome<DumpCounts>>
  /** Releases the connections of the dump (not the backend's). */
  close(): Promise<Outcome<void>>
}

/** "3 accounts, 0 roster items, …" for messages. */
export const describeCounts = (counts: DumpCounts): string => {
  const of = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`
  return [
    of(counts.account, "account", "accounts"),
    of(counts.roster, "roster item", "roster items"),
    of(counts.offline, "offline message", "offline messages"),
    of(counts.archive, "archived message", "archived messages"),
    of(counts.mam_prefs, "archive preference", "archive preferences"),
    of(
      counts.sm_pending,
      "stream-management pending message",
      "stream-management pending messages",
    ),
    of(counts.amp_pending, "pending AMP rule", "pending AMP rules"),
    of(counts.push_registration, "push registration", "push registrations"),
  ].join(", ")
}

/** Counts of `records` per type. */
export const countRecords = (records: ReadonlyArray<DumpRecord>): DumpCounts => {
  const counts: Record<DumpRecord["type"], number> = {
    account: 0,
    roster: 0,
    offline: 0,
    archive: 0,
    mam_prefs: 0,
    sm_pending: 0,
    amp_pending: 0,
    push_registration: 0,
  }
  for (const record of records) counts[record.type]++
  return counts
}

/** Whether every count is zero. */
export const isEmptyDatabase = (counts: DumpCounts): boolean =>
  Object.values(counts).every((count) => count === 0)
