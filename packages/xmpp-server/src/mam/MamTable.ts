// The XEP-0313 archive of the mam module over the archive repository (either backend,
// src/storage/repositories/ArchiveRepository.ts): one row per archived copy, in archive order,
// with a random public id (the XEP-0359 stanza-id), the peer's bare and full JID and the time;
// plus each user's archiving preferences. Archive writes are group-committed by a WriteBatcher:
// the copies queued during one event-loop turn go into one durable transaction, and each writer
// learns its durable outcome afterwards. Queries and removals flush first. A per-user byte quota
// bounds each archive: the repository checks it in the append's transaction (a copy that does
// not fit is refused, `quota`); the bytes each owner's last append left, plus what is queued,
// refuse a copy at once when it clearly does not fit (no read per copy). Messages older than
// `archive_expires_after` are left out of queries and swept away. Preferences are read from
// memory: every user's are loaded at open (only users who changed theirs have a row), because
// routing decides synchronously whether to archive, also for users who are not online.
import { randomBytes } from "node:crypto"
import type { TestingFaults } from "../config/ServerConfig.js"
import { faultText, injectFault } from "../faults/Faults.js"
import { parseJid } from "../jid/Jid.js"
import type { Logger } from "../log/Logger.js"
import type { RosterReader } from "../roster/Rosters.js"
import type { ArchiveStore, StoreResult } from "../routing/MessageStores.js"
import type {
  ArchiveAppend,
  ArchivedCopy,
  ArchivedMessage,
  ArchivePage,
  ArchiveQuery,
  ArchiveRepository,
} from "../storage/repositories/ArchiveRepository.js"
import { failed, type Outcome } from "../storage/repositories/Outcome.js"
import { WriteBatcher } from "../storage/repositories/WriteBatcher.js"
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

/** How long the usage an append reported refuses copies at once (ms); then the database decides. */
const knownBytesFor = 60_000

/** One archived copy as read back. */
export type ArchivedRow = ArchivedCopy

/** What the table needs from the server. */
export interface MamTableOptions {
  readonly archive: ArchiveRepository
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
  /** Learns preferences once stored (a cluster node tells the others). */
  readonly prefsStored?: (username: string, prefs: MamPrefs) => void
}

/** The archive store plus preferences, queries and the expiry sweep. */
export interface MamTable extends ArchiveStore {
  prefs(username: string): MamPrefs
  /** Stores the preferences; they apply once stored. */
  setPrefs(username: string, prefs: MamPrefs): Promise<Outcome<void>>
  /** Another cluster node stored a user's preferences. */
  learnPrefs(username: string, prefs: MamPrefs): void
  /** Commits the queued writes now (before a query, a removal, or at stop). */
  flush(): Promise<void>
  /** Messages stamped before this (epoch ms) have expired; undefined when nothing expires. */
  expiredBefore(): number | undefined
  /** One page of `owner`'s archive after the queued writes, expired messages left out. */
  query(owner: string, query: ArchiveQuery): Promise<Outcome<ArchivePage>>
  /**
   * Deletes at most `limit` expired messages, oldest first; answers how many went (fewer than
   * `limit`: none is left).
   */
  sweepExpired(limit: number): Promise<Outcome<number>>
}

/**
 * Opens the archive of the mam module (the backend applied the migrations) and loads every
 * user's preferences. Example: `const table = await openMamTable(options)`.
 */
export const openMamTable = async (options: MamTableOptions): Promise<Outcome<MamTable>> => {
  const { archive: repository, domain, faults, logger, maxBytes, expiresAfter } = options
  const now = options.now ?? Date.now
  const stored = await repository.allPrefs()
  if (failed(stored)) return stored
  const cache = new Map<string, MamPrefs>(stored)
  const fallback: MamPrefs = { defaultMode: options.defaultMode, always: [], never: [] }
  const prefs = (username: string): MamPrefs => cache.get(username) ?? fallback
  const expiredBefore = (): number | undefined =>
    expiresAfter === "never" ? undefined : now() - expiresAfter
  const batcher = new WriteBatcher<ArchivedMessage, ArchiveAppend>((messages) =>
    repository.appendUnderQuota(messages, { maxBytes }),
  )
  const flush = () => batcher.flush()
  const warnedFull = new Set<string>()
  /**
   * What each owner's archive held after its last append here, and when. A removal forgets
   * them all; an entry older than `knownBytesFor` counts as unknown (rows deleted another
   * way, an account deleted and created again, another node's writes).
   */
  const knownBytes = new Map<string, { readonly bytes: number; readonly at: number }>()
  const knownUsage = (owner: string): number => {
    const known = knownBytes.get(owner)
    if (known === undefined) return 0
    if (now() - known.at <= knownBytesFor) return known.bytes
    knownBytes.delete(owner)
    return 0
  }
  /** Bytes queued or committing for each owner, not in `knownBytes` yet. */
  const queuedBytes = new Map<string, number>()
  const full = (owner: string): StoreResult => {
    // Once per owner until a copy fits again: a flood must not flood the log too.
    if (!warnedFull.has(owner)) logger.warn("mam-archive-full", { owner, maxBytes })
    warnedFull.add(owner)
    return {
      ok: false,
      reason: "quota",
      text: `the archive of ${owner}@${domain} is full (${maxBytes} bytes)`,
    }
  }
  const settledOutcome = (owner: string, id: string, outcome: Outcome<ArchiveAppend>) => {
    if (failed(outcome)) {
      logger.error("mam-archive-failed", { owner, error: outcome })
      return { ok: false, reason: "failed", text: "the archive write failed" } as const
    }
    knownBytes.set(owner, { bytes: outcome.usedBytes, at: now() })
    if (!outcome.stored) return full(owner)
    warnedFull.delete(owner)
    return { ok: true, key: id } as const
  }
  const changeQueued = (owner: string, bytes: number): void => {
    const next = (queuedBytes.get(owner) ?? 0) + bytes
    if (next === 0) queuedBytes.delete(owner)
    else queuedBytes.set(owner, next)
  }
  return {
    prefs,
    setPrefs: async (username, next) => {
      const outcome = await repository.setPrefs(username, next)
      if (failed(outcome)) logger.error("mam-prefs-failed", { username, error: outcome })
      else {
        cache.set(username, next)
        options.prefsStored?.(username, next)
      }
      return outcome
    },
    learnPrefs: (username, next) => void cache.set(username, next),
    accepts: (owner, peer, stanza) =>
      archivable(stanza) &&
      prefsAllow(prefs(owner), peer, () => options.rosters?.get(owner, peer) !== undefined),
    flush,
    expiredBefore,
    query: async (owner, query) => {
      await flush()
      const before = expiredBefore()
      const outcome = await repository.query(
        owner,
        before === undefined ? query : { ...query, expiredBefore: before },
      )
      if (failed(outcome)) logger.error("mam-query-failed", { owner, error: outcome })
      return outcome
    },
    sweepExpired: async (limit) => {
      const before = expiredBefore()
      if (before === undefined) return 0
      await flush()
      const deleted = await repository.removeExpired(before, limit)
      if (!failed(deleted) && deleted > 0) knownBytes.clear()
      return deleted
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
      const used = knownUsage(owner) + (queuedBytes.get(owner) ?? 0)
      if (maxBytes > 0 && used + bytes > maxBytes) {
        const failure = full(owner)
        settled?.(failure)
        return failure
      }
      changeQueued(owner, bytes)
      const id = randomBytes(12).toString("base64url")
      const message: ArchivedMessage = {
        id,
        username: owner,
        direction,
        peer: peer?.bare ?? domain,
        peerFull: peer?.full ?? domain,
        stanza: text,
        messageKey: messageKey ?? null,
        stamp: now(),
      }
      void batcher.add(message).then((outcome) => {
        changeQueued(owner, -bytes)
        settled?.(settledOutcome(owner, id, outcome))
      })
      return { ok: true, key: id }
    },
    remove: async (key) => {
      await flush()
      const removed = await repository.remove(key)
      if (failed(removed)) {
        logger.error("mam-remove-failed", { key, error: removed })
        return false
      }
      if (removed) knownBytes.clear()
      return removed
    },
  }
}
