// XEP-0198 pending rows on SQLite: the stream_management module's `sm_pending` table
// (src/sm/SmPending.ts), keyed by the caller's `seq`, each row owned by a node, each batch in
// one transaction; a row handed to offline storage is deleted in the transaction that stores it
// there. One process uses the file, so its block of seq values is everything above the highest.
import { settle } from "../repositories/Outcome.js"
import type { SmPendingRepository, SmPendingRow } from "../repositories/SmPendingRepository.js"
import type { SqlAccess, StorageShape } from "../Storage.js"
import { appendOfflineIn, seqOf } from "./SqliteOffline.js"

interface PendingRow {
  readonly seq: number
  readonly node: string
  readonly username: string
  readonly resource: string
  readonly stanza_xml: string
  readonly created_at: number
}

const rowOf = (row: PendingRow): SmPendingRow => ({
  seq: Number(row.seq),
  node: row.node,
  username: row.username,
  resource: row.resource,
  stanza: row.stanza_xml,
  createdAt: Number(row.created_at),
})

/** Writes one pending row; the caller runs it inside its transaction. */
const insertPending = (sql: SqlAccess, row: SmPendingRow): void => {
  sql.run(
    `INSERT INTO sm_pending (seq, node, username, resource, stanza_xml, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    [row.seq, row.node, row.username, row.resource, row.stanza, row.createdAt],
  )
}

/** The XEP-0198 pending repository over an open SQLite storage. Example: `sqliteSmPending(storage)`. */
export const sqliteSmPending = (storage: StorageShape): SmPendingRepository => {
  const { sql } = storage
  const lastSeq = () =>
    sql.get<{ readonly last: number | null }>("SELECT MAX(seq) AS last FROM sm_pending")?.last ?? 0
  const ofNode = (node: string) =>
    sql.all<PendingRow>("SELECT * FROM sm_pending WHERE node = ? ORDER BY seq", [node]).map(rowOf)
  return {
    lastSeq: () => settle("smPending.lastSeq", lastSeq),
    reserveSeqs: () =>
      settle("smPending.reserveSeqs", () => ({
        first: lastSeq() + 1,
        last: Number.MAX_SAFE_INTEGER,
      })),
    all: () =>
      settle("smPending.all", () =>
        sql.all<PendingRow>("SELECT * FROM sm_pending ORDER BY seq").map(rowOf),
      ),
    ofNode: (node) => settle("smPending.ofNode", () => ofNode(node)),
    adopt: (from, to) =>
      settle("smPending.adopt", () =>
        storage.transaction(() => {
          const rows = ofNode(from)
          sql.run("UPDATE sm_pending SET node = ? WHERE node = ?", [to, from])
          return rows.map((row) => ({ ...row, node: to }))
        }),
      ),
    apply: (changes) =>
      settle("smPending.apply", () =>
        storage.transaction(() => {
          for (const change of changes) {
            if (change.kind === "remove") {
              sql.run("DELETE FROM sm_pending WHERE seq = ?", [change.seq])
              continue
            }
            insertPending(sql, change.row)
          }
        }),
      ),
    takeFromOffline: (key, row) =>
      settle("smPending.takeFromOffline", () =>
        storage.transaction(() => {
          const seq = seqOf(key)
          if (seq === undefined) throw new Error(`${key} is not an offline storage key`)
          if (sql.run("DELETE FROM offline_messages WHERE seq = ?", [seq]).changes !== 1)
            return false
          insertPending(sql, row)
          return true
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
