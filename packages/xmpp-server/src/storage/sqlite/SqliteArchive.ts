// The XEP-0313 archive on SQLite: the mam module's `mam_messages` and `mam_prefs` tables
// (src/mam/MamTable.ts), appended in batches, queried with the paging both backends share.
import { archivePage } from "../ArchivePagingSql.js"
import { archivedMessageValues } from "../RowValues.js"
import type { ArchivePrefs, ArchiveRepository } from "../repositories/ArchiveRepository.js"
import { settle } from "../repositories/Outcome.js"
import type { SqlValue, StorageShape } from "../Storage.js"
import { commitEach } from "./commitEach.js"

interface PrefsRow {
  readonly default_mode: ArchivePrefs["defaultMode"]
  readonly always: string
  readonly never: string
}

/** The archive repository over an open SQLite storage. Example: `sqliteArchive(storage)`. */
export const sqliteArchive = (storage: StorageShape): ArchiveRepository => {
  const { sql } = storage
  return {
    append: async (messages) =>
      commitEach(storage, "archive.append", messages, (message) => {
        sql.run(
          `INSERT INTO mam_messages
             (id, username, direction, peer, peer_full, stanza, message_key, stamp)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          archivedMessageValues(message),
        )
      }),
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
    prefs: (username) =>
      settle("archive.prefs", () => {
        const row = sql.get<PrefsRow>("SELECT * FROM mam_prefs WHERE username = ?", [username])
        return row === undefined
          ? undefined
          : {
              defaultMode: row.default_mode,
              always: JSON.parse(row.always) as ReadonlyArray<string>,
              never: JSON.parse(row.never) as ReadonlyArray<string>,
            }
      }),
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
