// How every asynchronous repository answers (issue 22, spec/cluster.md "Storage"): the value,
// or the `StorageError` that says which operation failed and why. A repository's promise never
// rejects; a failure is a value the caller must look at, so nothing fails silently.
import { StorageError } from "../Storage.js"

/** A repository's answer: the value, or why it failed. Example: `Outcome<boolean>`. */
export type Outcome<A> = A | StorageError

/** True when `outcome` is a failure. Example: `if (failed(found)) log(found.reason)`. */
export const failed = <A>(outcome: Outcome<A>): outcome is StorageError =>
  outcome instanceof StorageError

/** Tells a driver's error's reason (constraint, corrupt, io). */
export type ReasonOf = (error: unknown) => StorageError["reason"]

/**
 * `error` as a `StorageError` naming `operation` (a `StorageError` keeps its reason).
 * Example: `storageErrorOf("offline.append", error, postgresReason)`.
 */
export const storageErrorOf = (
  operation: string,
  error: unknown,
  reasonOf: ReasonOf = () => "io",
): StorageError => {
  if (error instanceof StorageError)
    return error.operation === operation
      ? error
      : new StorageError(operation, error.reason, error.message)
  const message = error instanceof Error ? error.message : String(error)
  return new StorageError(operation, reasonOf(error), message)
}

/**
 * Runs `work`, turning a thrown or rejected error into a `StorageError` naming `operation`.
 * Example: `settle("accounts.get", () => pool.query(...))`.
 */
export const settle = async <A>(
  operation: string,
  work: () => A | Promise<A>,
  reasonOf?: ReasonOf,
): Promise<Outcome<A>> => {
  try {
    return await work()
  } catch (error) {
    return storageErrorOf(operation, error, reasonOf)
  }
}
