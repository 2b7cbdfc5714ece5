// The whole SQLite database as dump records and back (src/storage/repositories/DumpRepository.ts,
// `xmpp-amp-server export` / `import`): reads every table in key order (the sequence tables a
// page at a time), and imports in one transaction after checking the database is empty.
// Inserting the sequence values as they were keeps archive and offline order; SQLite's
// AUTOINCREMENT counter follows the largest inserted value.

import { inImportOrder, notEmptyError, quotedColumns } from "../dumpOrder.js"
import { dumpTableOf, dumpTables, parameterOf, recordOf } from "../dumpTables.js"
import {
  countRecords,
  type DumpCounts,
  type DumpRecord,
  type DumpRepository,
} from "../repositories/DumpRepository.js"
import { type Outcome, settle, storageErrorOf } from "../repositories/Outcome.js"
import type { SqlValue, StorageShape } from "../Storage.js"

const pageSize = 1000

const countsOf = (storage: StorageShape): DumpCounts => {
  const counts: Record<string, number> = {}
  for (const table of dumpTables)
    counts[table.type] =
      storage.sql.get<{ n: number }>(`SELECT count(*) AS n FROM ${table.table}`)?.n ?? 0
  return counts as DumpCounts
}

/** The dump of an open SQLite storage. Example: `sqliteDump(openSqliteStorage(file))`. */
export const sqliteDump = (storage: StorageShape): DumpRepository => ({
  counts: () => settle("dump.counts", () => countsOf(storage)),
  exportAll: async function* (): AsyncGenerator<Outcome<DumpRecord>> {
    for (const table of dumpTables) {
      const columns = quotedColumns(Object.keys(table.columns))
      const order = table.key.map((column) => `"${column}"`).join(", ")
      const sequence = table.sequence
      if (sequence === undefined) {
        const rows = await settle(`dump.export.${table.type}`, () =>
          storage.sql.all<Record<string, unknown>>(
            `SELECT ${columns} FROM ${table.table} ORDER BY ${order}`,
          ),
        )
        if (rows instanceof Error) return yield rows
        for (const row of rows) yield recordOf(table, row)
        continue
      }
      let after = Number.MIN_SAFE_INTEGER
      for (;;) {
        const rows = await settle(`dump.export.${table.type}`, () =>
          storage.sql.all<Record<string, unknown>>(
            `SELECT ${columns} FROM ${table.table} WHERE "${sequence}" > ? ORDER BY "${sequence}" LIMIT ${pageSize}`,
            [after],
          ),
        )
        if (rows instanceof Error) return yield rows
        for (const row of rows) yield recordOf(table, row)
        if (rows.length < pageSize) break
        after = Number(rows[rows.length - 1]?.[sequence])
      }
    }
  },
  importAll: async (records) => {
    try {
      return storage.transaction(() => {
        const refused = notEmptyError(countsOf(storage))
        if (refused !== undefined) throw refused
        for (const record of inImportOrder(records)) {
          const table = dumpTableOf(record.type)
          const names = Object.keys(table.columns)
          const values = names.map(
            (column) =>
              parameterOf(
                table.columns[column] ?? "text",
                (record as unknown as Record<string, unknown>)[column],
                (flag) => (flag ? 1 : 0),
              ) as SqlValue,
          )
          storage.sql.run(
            `INSERT INTO ${table.table} (${quotedColumns(names)}) VALUES (${names.map(() => "?").join(", ")})`,
            values,
          )
        }
        return countRecords(records)
      })
    } catch (error) {
      return storageErrorOf("dump.import", error)
    }
  },
  close: async () => undefined,
})
