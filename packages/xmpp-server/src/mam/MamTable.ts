// The XEP-0313 archive in the server's database: one row per archived copy, in archive order,
// with a random public id (the XEP-0359 stanza-id), the peer's bare and full JID and the time;
// plus each user's archiving preferences. Archive writes are group-committed: the rows queued
// during one event-loop turn go into one durable transaction (one fsync for many messages),
// and each writer learns its durable outcome afterwards. Reads and removals flush first. A
// per-user byte quota bounds each archive (a copy that does not fit is refused, `quota`), and
// messages older than `archive_expires_after` are left out of queries and swept away.
import { randomBytes } from "node:crypto"
import type { TestingFaults } from "../config/ServerConfig.js"
import { faultText, injectFault } from "../faults/Faults.js"
import { parseJid } from "../jid/Jid.js"
import type { Logger } from "../log/Logger.js"
import type { RosterReader } from "../roster/Rosters.js"
import type { ArchiveStore, StoreResult } from "../routing/MessageStores.js"
import type { StorageShape } from "../storage/Storage.js"
import { usageTriggersSql } from "../storage/usageTriggers.js"
import { serialize } from "../xml/Xml.js"
import { archivable, type MamDefault, type MamPrefs, prefsAllow } from "./MamPolicy.js"

/** Schema of the mam module (tables prefixed `mam_`). */
export const mamMigrations: ReadonlyArray<string> = [
  `CREATE TABLE mam_messages (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
     direction TEXT NOT NULL,
     peer TEXT NOT NULL,
     peer_full TEXT NOT NULL,
     stanza TEXT NOT NULL,
     message_key TEXT,
     stamp INTEGER NOT NULL) STRICT`,
  "CREATE INDEX mam_messages_by_user ON mam_messages (username, seq)",
  "CREATE INDEX mam_messages_by_peer ON mam_messages (username, peer, seq)",
  `CREATE TABLE mam_prefs (
     username TEXT PRIMARY KEY REFERENCES users (username) ON DELETE CASCADE,
     default_mode TEXT NOT NULL,
     always TEXT NOT NULL,
     never TEXT NOT NULL) STRICT`,
  // Bytes each user's archive holds (UTF-8 of the archived stanzas), kept by triggers for the
  // byte quota; stamps indexed for the expiry sweep.
  `${usageTriggersSql("mam")}
   CREATE INDEX mam_messages_by_stamp ON mam_messages (stamp);`,
]

/** One archived copy as read back. */
export interface ArchivedRow {
  readonly seq: number
  readonly id: string
  readonly stanza: string
  readonly stamp: number
}

/** What the table needs from the server. */
export interface MamTableOptions {
  readonly storage: StorageShape
  /**
   * The users' rosters, for the "roster" default (a cached read: throws `RosterNotLoaded` for
   * an owner whose roster is not in memory, so the router loads it first). Absent: no contact
   * counts as in the roster (the archive tested alone).
   */
  readonly rosters?: Pick<RosterReader, "get">
  readonly domain: string
  readonly defaultMode: MamDefault
  /** Bytes (UTF-8 of the archived stanzas) one user's archive may hold; 0: no limit. */
  readonly maxBytes: number
  /** Archived messages older than this many ms expire; "never": they are kept. */
  readonly expiresAfter: number | "never"
  readonly faults: TestingFaults
  readonly logger: Logger
  readonly now?: () => number
}

/** The archive store plus preferences and the raw storage queries use. */
export interface MamTable extends ArchiveStore {
  prefs(username: string): MamPrefs
  setPrefs(username: string, prefs: MamPrefs): void
  /** Commits the queued writes now (before a query, a removal, or at stop). */
  flush(): void
  /** Messages stamped before this (epoch ms) have expired; undefined when nothing expires. */
  expiredBefore(): number | undefined
  /**
   * Deletes at most `limit` expired messages, oldest first; returns how many went (fewer than
   * `limit`: none is left).
   */
  sweepExpired(limit: number): number
  readonly storage: StorageShape
}

type QueuedRow = readonly [string, string, string, string, string, string, string | null, number]

interface Queued {
  readonly row: QueuedRow
  readonly settled: ((result: StoreResult) => void) | undefined
}

const insertRow = `INSERT INTO mam_messages
  (id, username, direction, peer, peer_full, stanza, message_key, stamp)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

interface PrefsRow {
  readonly default_mode: MamDefault
  readonly always: string
  readonly never: string
}

/** Opens the archive (applying the migrations). */
export const openMamTable = (options: MamTableOptions): MamTable => {
  const { storage, domain, faults, logger, maxBytes, expiresAfter } = options
  const now = options.now ?? Date.now
  storage.migrate("mam", mamMigrations)
  const expiredBefore = (): number | undefined =>
    expiresAfter === "never" ? undefined : now() - expiresAfter
  const warnedFull = new Set<string>()
  /** Bytes queued for each owner in this turn's batch (not in `mam_usage` until committed). */
  const queuedBytes = new Map<string, number>()
  const usedBytes = (owner: string): number =>
    (storage.sql.get<{ readonly bytes: number }>("SELECT bytes FROM mam_usage WHERE username = ?", [
      owner,
    ])?.bytes ?? 0) + (queuedBytes.get(owner) ?? 0)
  const cache = new Map<string, MamPrefs>()
  const fallback: MamPrefs = { defaultMode: options.defaultMode, always: [], never: [] }
  const prefs = (username: string): MamPrefs => {
    const cached = cache.get(username)
    if (cached !== undefined) return cached
    const row = storage.sql.get<PrefsRow>("SELECT * FROM mam_prefs WHERE username = ?", [username])
    const found =
      row === undefined
        ? fallback
        : {
            defaultMode: row.default_mode,
            always: JSON.parse(row.always) as ReadonlyArray<string>,
            never: JSON.parse(row.never) as ReadonlyArray<string>,
          }
    cache.set(username, found)
    return found
  }
  let queue: Array<Queued> = []
  let scheduled = false
  /** One transaction for every queued row; a row that fails alone does not fail the others. */
  const flush = (): void => {
    scheduled = false
    if (queue.length === 0) return
    const batch = queue
    queue = []
    queuedBytes.clear()
    const results: Array<StoreResult> = []
    try {
      storage.transaction(() => {
        for (const { row } of batch) {
          try {
            storage.sql.run(insertRow, row)
            results.push({ ok: true, key: row[0] })
          } catch (error) {
            logger.error("mam-archive-failed", { owner: row[1], error })
            results.push({ ok: false, reason: "failed", text: "the archive write failed" })
          }
        }
      })
    } catch (error) {
      logger.error("mam-archive-commit-failed", { rows: batch.length, error })
      results.length = 0
      for (const _ of batch)
        results.push({ ok: false, reason: "failed", text: "the archive commit failed" })
    }
    batch.forEach(({ settled }, index) => {
      const result = results[index]
      if (settled !== undefined && result !== undefined) settled(result)
    })
  }
  return {
    storage,
    prefs,
    setPrefs: (username, next) => {
      storage.sql.run(
        `INSERT INTO mam_prefs (username, default_mode, always, never) VALUES (?, ?, ?, ?)
         ON CONFLICT (username) DO UPDATE SET default_mode = excluded.default_mode,
           always = excluded.always, never = excluded.never`,
        [username, next.defaultMode, JSON.stringify(next.always), JSON.stringify(next.never)],
      )
      cache.set(username, next)
    },
    accepts: (owner, peer, stanza) =>
      archivable(stanza) &&
      prefsAllow(prefs(owner), peer, () => options.rosters?.get(owner, peer) !== undefined),
    flush,
    expiredBefore,
    sweepExpired: (limit) => {
      const before = expiredBefore()
      if (before === undefined) return 0
      flush()
      return storage.sql.run(
        `DELETE FROM mam_messages WHERE seq IN
           (SELECT seq FROM mam_messages WHERE stamp < ? ORDER BY stamp LIMIT ?)`,
        [before, limit],
      ).changes
    },
    archive: (owner, stanza, direction, messageKey, settled) => {
      if (injectFault(faults, "mam_write", logger)) {
        const failure = { ok: false, reason: "failed", text: faultText("mam_write") } as const
        settled?.(failure)
        return failure
      }
      const peerText = direction === "incoming" ? stanza.attrs.from : stanza.attrs.to
      const peer = parseJid(peerText ?? "")
      const text = serialize(stanza)
      const bytes = Buffer.byteLength(text)
      if (maxBytes > 0 && usedBytes(owner) + bytes > maxBytes) {
        const failure = {
          ok: false,
          reason: "quota",
          text: `the archive of ${owner}@${domain} is full (${maxBytes} bytes)`,
        } as const
        // Once per owner until a copy fits again: a flood must not flood the log too.
        if (!warnedFull.has(owner)) logger.warn("mam-archive-full", { owner, maxBytes })
        warnedFull.add(owner)
        settled?.(failure)
        return failure
      }
      warnedFull.delete(owner)
      queuedBytes.set(owner, (queuedBytes.get(owner) ?? 0) + bytes)
      const id = randomBytes(12).toString("base64url")
      const row: QueuedRow = [
        id,
        owner,
        direction,
        peer?.bare ?? domain,
        peer?.full ?? domain,
        text,
        messageKey ?? null,
        now(),
      ]
      queue.push({ row, settled })
      if (!scheduled) {
        scheduled = true
        setImmediate(flush)
      }
      return { ok: true, key: id }
    },
    remove: (key) => {
      flush()
      return storage.sql.run("DELETE FROM mam_messages WHERE id = ?", [key]).changes === 1
    },
  }
}
