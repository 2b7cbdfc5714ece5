// The XEP-0313 archive on SQLite: the mam module's `mam_messages` and `mam_prefs` tables
// (src/mam/MamTable.ts), appended in batches (within the byte quota `mam_usage` keeps by
// triggers, src/storage/usageTriggers.ts), queried with the paging both backends share.
import { archivePage } from "../ArchivePagingSql.js"
import { archivedMessageValues } from "../RowValues.js"
import type {
  ArchiveAppend,
  ArchivedMessage,
  ArchivePrefs,
  ArchiveRepository,
} from "../repositories/ArchiveRepository.js"
import { type Outcome, settle, storageErrorOf } from "../repositories/Outcome.js"
import type { SqlValue, StorageShape } from "../Storage.js"
import { commitEach } from "./commitEach.js"

interface PrefsRow {
  readonly username: string
  readonly default_mode: ArchivePrefs["defaultMode"]
  readonly always: string
  readonly never: string
}

const prefsOf = (row: PrefsRow): ArchivePrefs => ({
  defaultMode: row.default_mode,
  always: JSON.parse(row.always) as ReadonlyArray<string>,
  never: JSON.parse(row.never) as ReadonlyArray<string>,
})

const insertMessage = `INSERT INTO mam_messages
  (id, username, direction, peer, peer_full, stanza, message_key, stamp)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

/** The archive repository over an open SQLite storage. Example: `sqliteArchive(storage)`. */
export const sqliteArchive = (storage: StorageShape): ArchiveRepository => {
  const { sql } = storage
  const usedBytes = (username: string): number =>
    sql.get<{ readonly bytes: number }>("SELECT bytes FROM mam_usage WHERE username = ?", [
      username,
    ])?.bytes ?? 0
  /**
   * One transaction; a statement that fails is rolled back alone (see commitEach.ts). Each
   * owner's usage is read once per batch, then counted on here.
   */
  const appendUnderQuota = (
    messages: ReadonlyArray<ArchivedMessage>,
    maxBytes: number,
  ): ReadonlyArray<Outcome<ArchiveAppend>> => {
    const outcomes: Array<Outcome<ArchiveAppend>> = []
    const usage = new Map<string, number>()
    try {
      storage.transaction(() => {
        for (const message of messages) {
          try {
            const used = usage.get(message.username) ?? usedBytes(message.username)
            usage.set(message.username, used)
            const bytes = Buffer.byteLength(message.stanza)
            if (maxBytes > 0 && used + bytes > maxBytes) {
              outcomes.push({ stored: false, reason: "quota", usedBytes: used })
              continue
            }
            sql.run(insertMessage, archivedMessageValues(message))
            usage.set(message.username, used + bytes)
            outcomes.push({ stored: true, usedBytes: used + bytes })
          } catch (error) {
            outcomes.push(storageErrorOf("archive.append", error))
          }
        }
      })
    } catch (error) {
      const failure = storageErrorOf("archive.append", error)
      return messages.map(() => failure)
    }
    return outcomes
  }
  return {
    append: async (messages) =>
      commitEach(storage, "archive.append", messages, (message) => {
        sql.run(insertMessage, archivedMessageValues(message))
      }),
    appendUnderQuota: async (messages, quota) => appendUnderQuota(messages, quota.maxBytes),
    query: (owner, query) =>
      settle("archive.query", () =>
        archivePage(
          async (statement, values) =>
            sql.all<Record<string, unknown>>(statement, values as ReadonlyArray<SqlValue>),
          () => "?",
          owner,
          query,
        ),
      ),
    remove: (id) =>
      settle(
        "archive.remove",
        () => sql.run("DELETE FROM mam_messages WHERE id = ?", [id]).changes === 1,
      ),
    removeExpired: (before, limit) =>
      settle(
        "archive.removeExpired",
        () =>
          sql.run(
            `DELETE FROM mam_messages WHERE seq IN
               (SELECT seq FROM mam_messages WHERE stamp < ? ORDER BY stamp LIMIT ?)`,
            [before, limit],
          ).changes,
      ),
    prefs: (username) =>
      settle("archive.prefs", () => {
        const row = sql.get<PrefsRow>("SELECT * FROM mam_prefs WHERE username = ?", [username])
        return row === undefined ? undefined : prefsOf(row)
      }),
    allPrefs: () =>
      settle(
        "archive.allPrefs",
        () =>
          new Map(
            sql
              .all<PrefsRow>("SELECT * FROM mam_prefs")
              .map((row) => [row.username, prefsOf(row)] as const),
          ),
      ),
    setPrefs: (username, prefs) =>
      settle("archive.setPrefs", () => {
        sql.run(
          `INSERT INTO mam_prefs (username, default_mode, always, never) VALUES (?, ?, ?, ?)
           ON CONFLICT (username) DO UPDATE SET default_mode = excluded.default_mode,
             always = excluded.always, never = excluded.never`,
          [username, prefs.defaultMode, JSON.stringify(prefs.always), JSON.stringify(prefs.never)],
        )
      }),
  }
}
