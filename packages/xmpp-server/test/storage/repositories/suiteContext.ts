// What a shared repository suite gets from the matrix: the backend open for the current test,
// and a way to close and reopen it (to see what was committed).
import type { StorageBackend } from "../../../src/storage/repositories/StorageBackend.js"

/** The current test's backend. */
export interface SuiteContext {
  readonly backend: () => StorageBackend
  /** Closes the backend and opens the same database again; answers the new one. */
  readonly reopen: () => Promise<StorageBackend>
}
