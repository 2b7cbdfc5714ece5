// XEP-0198 pending rows on SQLite: the stream_management module's `sm_pending` table
// (src/sm/SmPending.ts), keyed by the caller's `seq`, each batch in one transaction; a row
// handed to offline storage is deleted in the transaction that stores it there.
import { settle } from "../repositories/Outcome.js"
import type { SmPendingRepository, SmPendingRow } from "../repositories/SmPendingRepository.js"
import type { StorageShape } from "../Storage.js"
import { appendOfflineIn } from "./SqliteOffline.js"

interface PendingRow {
  readonly seq: number
  readonly username: string
  readonly resource: string
  readonly stanza_xml: string
  readonly created_at: number
}

const rowOf = (row: PendingRow): SmPendingRow => ({
  seq: Number(row.seq),
  username: row.username,
  resource: row.resource,
  stanza: row.stanza_xml,
  createdAt: Number(row.created_at),
})

/** The XEP-0198 pending repository over an open SQLite storage. Example: `sqliteSmPending(storage)`. */
export const sqliteSmPending = (storage: StorageShape): SmPendingRepository => {
  const { sql } = storage
  return {
    lastSeq: () =>
      settle(
        "smPending.lastSeq",
        () =>
          sql.get<{ readonly last: number | null }>("SELECT MAX(seq) AS last FROM sm_pending")
            ?.last ?? 0,
      ),
    all: () =>
      settle("smPending.all", () =>
        sql.all<PendingRow>("SELECT * FROM sm_pending ORDER BY seq").map(rowOf),
      ),
    apply: (changes) =>
      settle("smPending.apply", () =>
        storage.transaction(() => {
          for (const change of changes) {
            if (change.kind === "remove")
              sql.run("DELETE FROM sm_pending WHERE seq = ?", [change.seq])
            else
              sql.run(
                `INSERT INTO sm_pending (seq, username, resource, stanza_xml, created_at)
                 VALUES (?, ?, ?, ?, ?)`,
                [
                  change.row.seq,
                  change.row.username,
                  change.row.resource,
                  change.row.stanza,
                  change.row.createdAt,
                ],
              )
          }
        }),
      ),
    moveToOffline: (seq, message, quota) =>
      settle("smPending.moveToOffline", () =>
        storage.transaction(() => {
          sql.run("DELETE FROM sm_pending WHERE seq = ?", [seq])
          return appendOfflineIn(sql, message, quota)
        }),
      ),
  }
}
