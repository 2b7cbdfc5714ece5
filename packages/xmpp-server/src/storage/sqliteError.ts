// Maps better-sqlite3 failures to the storage service's `StorageError` (spec/server.md
// "Storage"): constraint violations, corruption, and everything else as an I/O failure.
import Database from "better-sqlite3"
import { StorageError } from "./Storage.js"

const reasonOf = (code: string): StorageError["reason"] => {
  if (code.startsWith("SQLITE_CONSTRAINT")) return "constraint"
  if (code.startsWith("SQLITE_CORRUPT") || code.startsWith("SQLITE_NOTADB")) return "corrupt"
  return "io"
}

/**
 * Runs `work`, turning SQLite failures into a `StorageError` naming `operation`; other errors
 * (thrown by caller code inside a transaction) pass through unchanged.
 */
export const guarded = <A>(operation: string, work: () => A): A => {
  try {
    return work()
  } catch (error) {
    if (error instanceof Database.SqliteError) {
      throw new StorageError(operation, reasonOf(error.code), `${error.code}: ${error.message}`)
    }
    throw error
  }
}
