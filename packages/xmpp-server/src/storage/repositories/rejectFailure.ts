// For callers whose interface reports storage failures as rejected promises (the AMP and push
// plugins' stores): an outcome's value, or a rejection with its `StorageError`.
import { failed, type Outcome } from "./Outcome.js"

/** Resolves with the value, rejects with the `StorageError`. Example: `await rejectFailure(amp.get(id))`. */
export const rejectFailure = async <A>(outcome: Promise<Outcome<A>>): Promise<A> => {
  const settled = await outcome
  if (failed(settled)) throw settled
  return settled
}
