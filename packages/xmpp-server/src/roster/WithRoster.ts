// Runs work that reads a user's roster (src/roster/Rosters.ts): at once when it is cached (every
// user with a session, the hot path), else once it is loaded, in order behind the earlier work
// of that user. While it waits, the XEP-0198 ack of the stanza being handled waits too, and the
// work then runs as part of that stanza's handling (its writes hold the ack back as usual).
import type { ServerCore } from "../core/ServerCore.js"
import { failed } from "../storage/repositories/Outcome.js"
import type { StorageError } from "../storage/Storage.js"

/**
 * `work` once `username`'s roster is cached, or `unavailable` with the storage failure (logged
 * by the load). Example: `withRoster(core, "juliet", () => deliver(), (error) => bounce(error))`.
 */
export const withRoster = (
  core: ServerCore,
  username: string,
  work: () => void,
  unavailable: (error: StorageError) => void,
): void => {
  if (core.rosters.ready(username)) return void work()
  const tracker = core.sm.current
  const handedOn = tracker?.begin()
  core.rosters.whenLoaded(username, (failure) => {
    const outer = core.sm.current
    core.sm.current = tracker
    try {
      if (failed(failure)) unavailable(failure)
      else work()
    } catch (error) {
      core.logger.error("roster-work-failed", { user: username, error })
    } finally {
      core.sm.current = outer
      handedOn?.()
    }
  })
}
