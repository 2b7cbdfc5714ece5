// The XEP-0313 message archive in either backend: archived copies (group-committed by the
// caller, see WriteBatcher.ts) within a per-user byte quota, XEP-0313 §4 queries with XEP-0059
// paging that leave expired copies out, single removals, the bounded expiry sweep
// (`archive_expires_after`), and each user's preferences.
import type { Outcome } from "./Outcome.js"

/** One archived copy, as src/mam/MamTable.ts writes it. */
export interface ArchivedMessage {
  /** The random public id (the XEP-0359 stanza-id). */
  readonly id: string
  readonly username: string
  readonly direction: "incoming" | "outgoing"
  /** The peer's bare JID. */
  readonly peer: string
  readonly peerFull: string
  readonly stanza: string
  readonly messageKey: string | null
  readonly stamp: number
}

/** A copy as a query returns it; `seq` is its place in archive order. */
export interface ArchivedCopy {
  readonly seq: number
  readonly id: string
  readonly stanza: string
  readonly stamp: number
}

/** A XEP-0313 query: the form filter and the RSM paging. */
export interface ArchiveQuery {
  /** `with`: a bare JID matches `peer`, a full JID `peerFull`. */
  readonly with?: { readonly jid: string; readonly full: boolean }
  /** Inclusive bounds on `stamp` (milliseconds). */
  readonly start?: number
  readonly end?: number
  /** Page size. */
  readonly max: number
  /** RSM `after`: an archive id. */
  readonly after?: string
  /** RSM `before`: "" for the last page, else an archive id. */
  readonly before?: string
  /** Copies stamped before this (milliseconds) have expired: left out as if deleted. */
  readonly expiredBefore?: number
}

/** One page: its rows in archive order, how many match, where it starts, whether it ends. */
export type ArchivePage =
  | {
      readonly found: true
      readonly rows: ReadonlyArray<ArchivedCopy>
      /** Matching copies in total. */
      readonly count: number
      /** Index of the first row among all matching ones. */
      readonly firstIndex: number
      /** True when the page reaches the end of the results in the paging direction. */
      readonly complete: boolean
    }
  /** The RSM `after`/`before` id is not in this archive (XEP-0313 item-not-found). */
  | { readonly found: false; readonly missingId: string }

/**
 * What `appendUnderQuota` did with one copy: stored, or refused because it does not fit the
 * owner's byte quota. `usedBytes`: what the owner's archive holds afterwards (UTF-8 bytes of
 * the archived stanzas).
 */
export type ArchiveAppend =
  | { readonly stored: true; readonly usedBytes: number }
  | { readonly stored: false; readonly reason: "quota"; readonly usedBytes: number }

/** A user's XEP-0313 §6 preferences. */
export interface ArchivePrefs {
  readonly defaultMode: "always" | "never" | "roster"
  readonly always: ReadonlyArray<string>
  readonly never: ReadonlyArray<string>
}

/** Every user's archive. */
export interface ArchiveRepository {
  /**
   * Appends the copies in one transaction; one outcome per copy, in order (a copy that fails
   * alone, e.g. a duplicate id, fails alone; a failed commit fails them all).
   * Example: `await archive.append([message])`.
   */
  append(messages: ReadonlyArray<ArchivedMessage>): Promise<ReadonlyArray<Outcome<void>>>
  /**
   * As `append`, but a copy that would take its owner's archive past `maxBytes` (0: no limit)
   * is refused, checked and written in the same transaction (concurrent appends, also from
   * other nodes, never pass the quota together). The bytes are kept per user by the database
   * (`mam_usage`), so the check reads one row. Example:
   * `await archive.appendUnderQuota(copies, { maxBytes: 100 * 1024 * 1024 })`.
   */
  appendUnderQuota(
    messages: ReadonlyArray<ArchivedMessage>,
    quota: { readonly maxBytes: number },
  ): Promise<ReadonlyArray<Outcome<ArchiveAppend>>>
  /** One page of `owner`'s archive. Example: `await archive.query("juliet", { max: 50, before: "" })`. */
  query(owner: string, query: ArchiveQuery): Promise<Outcome<ArchivePage>>
  /** Deletes one copy by archive id; false when absent. Example: `await archive.remove(id)`. */
  remove(id: string): Promise<Outcome<boolean>>
  /**
   * Deletes at most `limit` copies stamped before `before`, oldest first; answers how many went
   * (fewer than `limit`: none is left). Example: `await archive.removeExpired(cutoff, 500)`.
   */
  removeExpired(before: number, limit: number): Promise<Outcome<number>>
  /** The user's preferences, or undefined when never set. Example: `await archive.prefs("juliet")`. */
  prefs(username: string): Promise<Outcome<ArchivePrefs | undefined>>
  /**
   * The preferences of every user who set any (others archive by the configured default).
   * Example: `(await archive.allPrefs()).get("juliet")`.
   */
  allPrefs(): Promise<Outcome<ReadonlyMap<string, ArchivePrefs>>>
  /** Stores the user's preferences. Example: `await archive.setPrefs("juliet", prefs)`. */
  setPrefs(username: string, prefs: ArchivePrefs): Promise<Outcome<void>>
}
