// Spec §4 `expire-at` (XEP-0079 §3.3.2): what happens to a stored message's pending rules later.
// The sweep fires rules that fell due (drop/alert/error remove the message from offline storage
// and the archive; notify only tells the sender); offline delivery checks the time again; a
// recipient coming online makes an archive-only message theirs to fetch (its rules are discarded).
// Several hosts may share one pending table (a cluster on one database): there `due` and `get`
// claim the rows they answer (PendingTable), so a rule fires in one host only.
import { type AmpEvent, resolve } from "@xmpp-amp/amp-core"
import * as Effect from "effect/Effect"
import type * as Semaphore from "effect/Semaphore"
import { act } from "./Act.js"
import { Host } from "./HostService.js"
import { firstExpiry } from "./Lifecycle.js"
import { logLine } from "./Log.js"
import { type PendingMessage, pendingRow, readPendingRow } from "./PendingMessage.js"

/** How many due rows one sweep reads at a time. */
const SWEEP_BATCH = 100

/** What the host does with an offline message after `offlineDelivery`. */
export type OfflineVerdict = "deliver" | "discard"

/**
 * Resolves one event for a pending message and keeps, updates or removes its row. Copies are
 * removed before the reply is sent, so a failed removal is retried without a second reply.
 */
const settle = (pending: PendingMessage, event: AmpEvent) =>
  Effect.gen(function* () {
    const host = yield* Host
    const resolution = resolve(pending.state, event, yield* host.now)
    if (resolution.stop) {
      if (event !== "offline-delivery" && pending.offlineKey !== undefined) {
        yield* host.removeOffline(pending.offlineKey)
      }
      if (pending.archiveKey !== undefined) yield* host.removeArchived(pending.archiveKey)
    }
    yield* act(pending.reply, event, resolution)
    const nextExpiry = firstExpiry(resolution.state)
    if (resolution.state.stage === "in-storage" && nextExpiry !== undefined) {
      yield* host.putPending(pendingRow({ ...pending, state: resolution.state }, nextExpiry))
    } else {
      yield* host.removePending(pending.id)
    }
    return resolution
  })

/** Fires every due `expire-at` rule; returns how many messages were looked at. */
export const sweepExpired = (lock: Semaphore.Semaphore) =>
  lock.withPermits(1)(
    Effect.gen(function* () {
      const host = yield* Host
      let handled = 0
      for (;;) {
        const due = yield* host.duePending(yield* host.now, SWEEP_BATCH)
        for (const row of due) {
          const reading = readPendingRow(row, host.domain)
          if (reading._tag === "Unreadable") {
            yield* logLine("pending-row-unreadable", { id: row.id, reason: reading.reason }, "Warn")
            yield* host.removePending(row.id)
          } else {
            yield* settle(reading.pending, "expired")
          }
        }
        handled += due.length
        if (due.length < SWEEP_BATCH) return handled
      }
    }),
  )

/** Called by the host before it delivers an offline message stored with AMP extra data. */
export const offlineDelivery = (extra: string, lock: Semaphore.Semaphore) =>
  lock.withPermits(1)(
    Effect.gen(function* () {
      const host = yield* Host
      const row = yield* host.getPending(extra)
      if (row === undefined) return "deliver" as OfflineVerdict
      const reading = readPendingRow(row, host.domain)
      if (reading._tag === "Unreadable") {
        // The message itself is intact: it is delivered, without its unreadable rules.
        yield* logLine("pending-row-unreadable", { id: row.id, reason: reading.reason }, "Warn")
        yield* host.removePending(row.id)
        return "deliver" as OfflineVerdict
      }
      const resolution = yield* settle(reading.pending, "offline-delivery")
      return (resolution.stop ? "discard" : "deliver") as OfflineVerdict
    }),
  )

/**
 * Called by the host when a recipient comes online: archive-only messages become theirs (rules
 * already due fire first, as the sweep would have).
 */
export const recipientOnline = (recipient: string, lock: Semaphore.Semaphore) =>
  lock.withPermits(1)(
    Effect.gen(function* () {
      const host = yield* Host
      const now = yield* host.now
      for (const row of yield* host.pendingFor(recipient)) {
        const reading = readPendingRow(row, host.domain)
        if (reading._tag === "Unreadable") {
          yield* logLine("pending-row-unreadable", { id: row.id, reason: reading.reason }, "Warn")
          yield* host.removePending(row.id)
          continue
        }
        const pending = reading.pending
        if (pending.offlineKey === undefined && row.expiresAt <= now) {
          // Taken again by id: on a table several hosts share, `get` claims the row, so a
          // sweep elsewhere that fired it already leaves it gone (fired once).
          const claimed = yield* host.getPending(row.id)
          if (claimed === undefined) continue
          const current = readPendingRow(claimed, host.domain)
          if (
            current._tag === "Read" &&
            current.pending.offlineKey === undefined &&
            claimed.expiresAt <= now
          )
            yield* settle(current.pending, "expired")
          // Changed meanwhile (not due, or stored offline): put back as it is, unclaimed.
          else yield* host.putPending(claimed)
        } else if (pending.offlineKey === undefined) {
          yield* host.removePending(row.id)
          yield* logLine("pending-rules-discarded", { id: row.id, recipient }, "Debug")
        }
      }
    }),
  )
