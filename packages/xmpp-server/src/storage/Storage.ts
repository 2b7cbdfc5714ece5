// The storage service of the reference server (spec/server.md "Storage"): users with SCRAM
// credentials and RFC 6121 rosters. SQLite (better-sqlite3) is the embedded default; the
// interface is synchronous because the embedded engine is, and every write is committed
// durably before the call returns, except `roster.write`, which is group-committed at the end
// of the event-loop turn and reports its durable outcome to a callback. Later modules (offline, MAM, push) add their own tables
// through `migrate`.

import type { RosterChange, RosterWriteOutcome } from "./RosterWriteBatch.js"

/** Salted SCRAM keys for one hash (RFC 5802); the password itself is never stored. */
export interface ScramCredentials {
  /** base64 */
  readonly salt: string
  readonly iterations: number
  /** base64 */
  readonly stored_key: string
  /** base64 */
  readonly server_key: string
}

/** A local account. */
export interface UserRecord {
  /** The localpart, already normalised (nodeprep / lower case). */
  readonly username: string
  readonly scram_sha_1: ScramCredentials
  readonly scram_sha_256: ScramCredentials
}

/** RFC 6121 §2.1.2.5 subscription states. */
export type Subscription = "none" | "to" | "from" | "both"

/** One roster item of a user, plus the pending flags of RFC 6121 §3. */
export interface RosterItem {
  /** The contact's bare JID. */
  readonly jid: string
  readonly name: string | undefined
  readonly subscription: Subscription
  /** The user asked to subscribe to the contact and it is not answered yet (`ask='subscribe'`). */
  readonly ask_out: boolean
  /**
   * The contact asked to subscribe to the user and it is not answered yet. The stored
   * inbound `<presence type='subscribe'/>` (as XML text) is redelivered at the next login.
   */
  readonly pending_in: string | undefined
  readonly groups: ReadonlyArray<string>
}

/** A storage failure, with the operation that failed. */
export class StorageError extends Error {
  readonly _tag = "StorageError"
  constructor(
    readonly operation: string,
    readonly reason: "constraint" | "io" | "corrupt",
    message: string,
  ) {
    super(`${operation}: ${message}`)
  }
}

/** A value SQLite stores: text, number, integer, blob or NULL. */
export type SqlValue = string | number | bigint | Uint8Array | null

/** Positional (`?`) values or one object of named (`@name`) values. */
export type SqlParameters = ReadonlyArray<SqlValue> | Readonly<Record<string, SqlValue>>

/**
 * Plain SQL for the tables a module created through `migrate` (statements are prepared once
 * and cached). Example: `storage.sql.all<{ xml: string }>("SELECT xml FROM offline_messages WHERE username = ?", ["juliet"])`.
 */
export interface SqlAccess {
  run(statement: string, parameters?: SqlParameters): { readonly changes: number }
  get<Row>(statement: string, parameters?: SqlParameters): Row | undefined
  all<Row>(statement: string, parameters?: SqlParameters): ReadonlyArray<Row>
}

/** What the server asks of its storage. Every method throws `StorageError` on failure. */
export interface StorageShape {
  readonly users: {
    /** Creates the account; returns false when it exists already. */
    create(user: UserRecord): boolean
    get(username: string): UserRecord | undefined
    /** Replaces the credentials; returns false when there is no such user. */
    setCredentials(user: UserRecord): boolean
    /** Deletes the account and everything stored for it; returns false when absent. */
    delete(username: string): boolean
    count(): number
  }
  readonly roster: {
    /** The user's items by contact JID (served from memory once read). */
    list(username: string): ReadonlyArray<RosterItem>
    get(username: string, contact: string): RosterItem | undefined
    /** How many items the user has, hidden ones (a pending inbound request only) included. */
    count(username: string): number
    /** Inserts or replaces the item for `item.jid`, committed durably before it returns. */
    put(username: string, item: RosterItem): void
    /** Removes the item, committed durably before it returns; returns false when absent. */
    remove(username: string, contact: string): boolean
    /**
     * The hot path's write (issue 25 item 2): applies `change` to what reads return at once,
     * in O(1), and commits it with every other change of this event-loop turn in one durable
     * transaction; `settled` then learns the durable outcome (answer the client only then).
     * Example: `storage.roster.write("juliet", { kind: "put", item }, (outcome) => reply(outcome.ok))`.
     */
    write(
      username: string,
      change: RosterChange,
      settled?: (outcome: RosterWriteOutcome) => void,
    ): void
  }
  /**
   * Applies a module's schema migrations in order, once each, remembered by
   * `(module, index)`. Modules own their tables (prefixed with the module name).
   */
  migrate(module: string, migrations: ReadonlyArray<string>): void
  /** SQL on module tables; a module's tables should reference `users (username) ON DELETE CASCADE`. */
  readonly sql: SqlAccess
  /** Runs `work` in one durable transaction. */
  transaction<A>(work: () => A): A
  close(): void
}
