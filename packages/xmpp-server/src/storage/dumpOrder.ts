// Helpers both backends' dumps share: records sorted into import order (accounts first, since
// every other table references them), quoted column lists, and the refusal of a database that
// is not empty.
import {
  type DumpCounts,
  type DumpRecord,
  describeCounts,
  dumpRecordTypes,
  isEmptyDatabase,
} from "./repositories/DumpRepository.js"
import { StorageError } from "./Storage.js"

/** `records` in import order: by type (accounts first), the file's order within a type. */
export const inImportOrder = (records: ReadonlyArray<DumpRecord>): ReadonlyArray<DumpRecord> => {
  const rank = (record: DumpRecord) => dumpRecordTypes.indexOf(record.type)
  return records
    .map((record, index) => ({ record, index }))
    .sort((left, right) => rank(left.record) - rank(right.record) || left.index - right.index)
    .map(({ record }) => record)
}

/** `"a", "b"` for a column list (`user` is a reserved word in PostgreSQL). */
export const quotedColumns = (columns: ReadonlyArray<string>): string =>
  columns.map((column) => `"${column}"`).join(", ")

/** The refusal when `counts` is not an empty database, or undefined when it is. */
export const notEmptyError = (counts: DumpCounts): StorageError | undefined =>
  isEmptyDatabase(counts)
    ? undefined
    : new StorageError(
        "dump.import",
        "constraint",
        `the database is not empty (${describeCounts(counts)}); import only fills an empty database, nothing was changed`,
      )
