// `archive_expires_after`: a periodic sweep deletes archived messages older than the limit, in
// batches of `sweepBatch` rows with the event loop free between batches (a large backlog of
// expired rows never holds it for long). Queries leave them out even before the sweep ran.
import type { Logger } from "../log/Logger.js"
import type { MamTable } from "./MamTable.js"

/** Rows deleted per batch. */
export const sweepBatch = 500

/** How often the sweep runs: a quarter of the expiry, between 1 s and 1 min. */
export const sweepIntervalMs = (expiresAfter: number): number =>
  Math.min(60_000, Math.max(1000, Math.floor(expiresAfter / 4)))

/** Starts nothing itself: returns the periodic task and a `stop` that ends a running sweep. */
export const expirySweeper = (table: MamTable, logger: Logger) => {
  let running = false
  let stopped = false
  const batch = (): void => {
    if (stopped) {
      running = false
      return
    }
    let deleted = 0
    try {
      deleted = table.sweepExpired(sweepBatch)
    } catch (error) {
      logger.error("mam-expiry-failed", { error })
    }
    if (deleted > 0) logger.debug("mam-expired", { deleted })
    if (deleted === sweepBatch) setImmediate(batch)
    else running = false
  }
  return {
    sweep: (): void => {
      if (running || stopped) return
      running = true
      batch()
    },
    stop: (): void => {
      stopped = true
    },
  }
}
