// The AMP plugin's durable table of pending `expire-at` rules (spec/amp.md §4, XEP-0079 §3.5)
// in the server's SQLite storage: one table with indexes on the due time and the recipient,
// so pending rules survive a restart.
import type { PendingRow, PendingTable } from "@xmpp-amp/server-plugin"
import type { StorageShape } from "../storage/Storage.js"

const MIGRATIONS = [
  "CREATE TABLE amp_pending (id TEXT PRIMARY KEY, recipient TEXT NOT NULL, expires_at INTEGER NOT NULL, data TEXT NOT NULL)",
  "CREATE INDEX amp_pending_due ON amp_pending (expires_at)",
  "CREATE INDEX amp_pending_recipient ON amp_pending (recipient)",
]

interface SqlRow {
  readonly id: string
  readonly recipient: string
  readonly expires_at: number
  readonly data: string
}

const toRow = (row: SqlRow): PendingRow => ({
  id: row.id,
  recipient: row.recipient,
  expiresAt: Number(row.expires_at),
  data: row.data,
})

/** Creates (once) and opens the `amp_pending` table of the server's storage. */
export const pendingTable = (storage: StorageShape): PendingTable => {
  storage.migrate("amp", MIGRATIONS)
  const { sql } = storage
  return {
    put: async (row) => {
      sql.run(
        "INSERT OR REPLACE INTO amp_pending (id, recipient, expires_at, data) VALUES (?, ?, ?, ?)",
        [row.id, row.recipient, row.expiresAt, row.data],
      )
    },
    get: async (id) => {
      const row = sql.get<SqlRow>("SELECT * FROM amp_pending WHERE id = ?", [id])
      return row === undefined ? undefined : toRow(row)
    },
    remove: async (id) => {
      sql.run("DELETE FROM amp_pending WHERE id = ?", [id])
    },
    due: async (now, limit) =>
      sql
        .all<SqlRow>(
          "SELECT * FROM amp_pending WHERE expires_at <= ? ORDER BY expires_at LIMIT ?",
          [now, limit],
        )
        .map(toRow),
    forRecipient: async (recipient) =>
      sql.all<SqlRow>("SELECT * FROM amp_pending WHERE recipient = ?", [recipient]).map(toRow),
  }
}
