// A batch of writes in one SQLite transaction with one outcome per write: SQLite rolls back a
// failed statement alone and keeps the transaction, so a write that fails alone (a duplicate
// id, a user that is gone) fails alone; a failed commit fails them all.
import { type Outcome, storageErrorOf } from "../repositories/Outcome.js"
import type { StorageShape } from "../Storage.js"

/** Applies every write in one transaction. Example: `commitEach(storage, "archive.append", rows, insert)`. */
export const commitEach = <W>(
  storage: StorageShape,
  operation: string,
  writes: ReadonlyArray<W>,
  apply: (write: W) => void,
): ReadonlyArray<Outcome<void>> => {
  const outcomes: Array<Outcome<void>> = []
  try {
    storage.transaction(() => {
      for (const write of writes) {
        try {
          apply(write)
          outcomes.push(undefined)
        } catch (error) {
          outcomes.push(storageErrorOf(operation, error))
        }
      }
    })
  } catch (error) {
    const failure = storageErrorOf(operation, error)
    return writes.map(() => failure)
  }
  return outcomes
}
