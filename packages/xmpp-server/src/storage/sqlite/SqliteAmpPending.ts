// The AMP plugin's pending `expire-at` rules on SQLite: the `amp_pending` table (its migrations
// are recorded as module "amp", as earlier versions did), due rows found through the index on
// `expires_at`.
import type { PendingRow } from "@xmpp-amp/server-plugin"
import type { AmpPendingRepository } from "../repositories/AmpPendingRepository.js"
import { settle } from "../repositories/Outcome.js"
import type { StorageShape } from "../Storage.js"

/** The `amp_pending` table's migrations, applied as module "amp" (never edit: append). */
export const ampPendingMigrations: ReadonlyArray<string> = [
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

const rowOf = (row: SqlRow): PendingRow => ({
  id: row.id,
  recipient: row.recipient,
  expiresAt: Number(row.expires_at),
  data: row.data,
})

/** The AMP pending repository over an open SQLite storage. Example: `sqliteAmpPending(storage)`. */
export const sqliteAmpPending = (storage: StorageShape): AmpPendingRepository => {
  const { sql } = storage
  return {
    put: (row) =>
      settle("ampPending.put", () => {
        sql.run(
          "INSERT OR REPLACE INTO amp_pending (id, recipient, expires_at, data) VALUES (?, ?, ?, ?)",
          [row.id, row.recipient, row.expiresAt, row.data],
        )
      }),
    get: (id) =>
      settle("ampPending.get", () => {
        const row = sql.get<SqlRow>("SELECT * FROM amp_pending WHERE id = ?", [id])
        return row === undefined ? undefined : rowOf(row)
      }),
    remove: (id) =>
      settle("ampPending.remove", () => {
        sql.run("DELETE FROM amp_pending WHERE id = ?", [id])
      }),
    due: (now, limit) =>
      settle("ampPending.due", () =>
        sql
          .all<SqlRow>(
            "SELECT * FROM amp_pending WHERE expires_at <= ? ORDER BY expires_at LIMIT ?",
            [now, limit],
          )
          .map(rowOf),
      ),
    forRecipient: (recipient) =>
      settle("ampPending.forRecipient", () =>
        sql.all<SqlRow>("SELECT * FROM amp_pending WHERE recipient = ?", [recipient]).map(rowOf),
      ),
  }
}
