// The XEP-0313 archive in the server's database: one row per archived copy, in archive order,
// with a random public id (the XEP-0359 stanza-id), the peer's bare and full JID and the time;
// plus each user's archiving preferences. Writes are durable when they return.
import { randomBytes } from "node:crypto"
import type { TestingFaults } from "../config/ServerConfig.js"
import { faultText, injectFault } from "../faults/Faults.js"
import { parseJid } from "../jid/Jid.js"
import type { Logger } from "../log/Logger.js"
import type { ArchiveStore } from "../routing/MessageStores.js"
import type { StorageShape } from "../storage/Storage.js"
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
  readonly domain: string
  readonly defaultMode: MamDefault
  readonly faults: TestingFaults
  readonly logger: Logger
}

/** The archive store plus preferences and the raw storage queries use. */
export interface MamTable extends ArchiveStore {
  prefs(username: string): MamPrefs
  setPrefs(username: string, prefs: MamPrefs): void
  readonly storage: StorageShape
}

interface PrefsRow {
  readonly default_mode: MamDefault
  readonly always: string
  readonly never: string
}

/** Opens the archive (applying the migrations). */
export const openMamTable = (options: MamTableOptions): MamTable => {
  const { storage, domain, faults, logger } = options
  storage.migrate("mam", mamMigrations)
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
      prefsAllow(prefs(owner), peer, () => storage.roster.get(owner, peer) !== undefined),
    archive: (owner, stanza, direction, messageKey) => {
      if (injectFault(faults, "mam_write", logger))
        return { ok: false, reason: "failed", text: faultText("mam_write") }
      const peerText = direction === "incoming" ? stanza.attrs.from : stanza.attrs.to
      const peer = parseJid(peerText ?? "")
      const id = randomBytes(12).toString("base64url")
      try {
        storage.sql.run(
          `INSERT INTO mam_messages (id, username, direction, peer, peer_full, stanza, message_key, stamp)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            id,
            owner,
            direction,
            peer?.bare ?? domain,
            peer?.full ?? domain,
            stanza.toString(),
            messageKey ?? null,
            Date.now(),
          ],
        )
        return { ok: true, key: id }
      } catch (error) {
        logger.error("mam-archive-failed", { owner, error })
        return { ok: false, reason: "failed", text: "the archive write failed" }
      }
    },
    remove: (key) => storage.sql.run("DELETE FROM mam_messages WHERE id = ?", [key]).changes === 1,
  }
}
