// `archive_expires_after`: a periodic sweep deletes archived messages older than the limit, in
// batches of `sweepBatch` rows with the event loop free between batches (a large backlog of
// expired rows never holds it for long). Queries leave them out even before the sweep ran.
import type { Logger } from "../log/Logger.js"
import { failed } from "../storage/repositories/Outcome.js"
import type { MamTable } from "./MamTable.js"

/** Rows deleted per batch. */
export const sweepBatch = 500

/** How often the sweep runs: a quarter of the expiry, between 1 s and 1 min. */
export const sweepIntervalMs = (expiresAfter: number): number =>
  Math.min(60_000, Math.max(1000, Math.floor(expiresAfter / 4)))

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Starts nothing itself: returns the periodic task (a sweep already running is not started
 * twice) and a `stop` that ends a running sweep after its current batch.
 */
export const expirySweeper = (table: MamTable, logger: Logger) => {
  let running: Promise<void> | undefined
  let stopped = false
  const sweepAll = async (): Promise<void> => {
    while (!stopped) {
      const deleted = await table.sweepExpired(sweepBatch)
      if (failed(deleted)) {
        logger.error("mam-expiry-failed", { error: deleted })
        return
      }
      if (deleted > 0) logger.debug("mam-expired", { deleted })
      if (deleted < sweepBatch) return
      await nextTurn()
    }
  }
  return {
    sweep: (): void => {
      if (running !== undefined || stopped) return
      running = sweepAll().finally(() => {
        running = undefined
      })
    },
    /** Resolves once a running sweep has ended. */
    stop: async (): Promise<void> => {
      stopped = true
      await running
    },
  }
}
