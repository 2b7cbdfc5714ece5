// Spec §4 (XEP-0079 §2.2.3–§2.2.4): the life of an accepted AMP message. The plugin asks the host
// for each step of normal routing (archive, socket write, offline write), reports each result to
// amp-core's resolver as an event, carries out what fired, removes copies of a stopped message,
// bounces a discarded one, and keeps the pending rules of a stored one in the durable table.
import { randomUUID } from "node:crypto"
import {
  type AmpEvent,
  type AmpMessageState,
  type Resolution,
  resolve,
  startMessage,
  storageOf,
} from "@xmpp-amp/amp-core"
import * as Effect from "effect/Effect"
import type * as Semaphore from "effect/Semaphore"
import { act } from "./Act.js"
import { type BounceCondition, bounceMessage } from "./Bounce.js"
import { AmpConfig } from "./Config.js"
import type { RecipientKind } from "./Host.js"
import { Host } from "./HostService.js"
import type { Inbound } from "./Inbound.js"
import { pendingRow } from "./PendingMessage.js"
import { orLogged } from "./Recover.js"

/** How an accepted message's processing ended. */
export type MessageEnd = "delivered" | "stored" | "discarded" | "stopped"

/** An accepted request, as `inbound` returns it. */
export type Accepted = Extract<Inbound, { _tag: "Accepted" }>

const INITIAL_BOUNCE: Readonly<Record<RecipientKind, BounceCondition>> = {
  "local-user": "service-unavailable",
  "unknown-user": "service-unavailable",
  "remote-domain": "remote-server-not-found",
}

/**
 * Runs an accepted message to its end; `lock` serialises writes to the pending table.
 * `written` is the outcome of a socket write the fast path (`FastPath.ts`) already made.
 */
export const runLifecycle = (accepted: Accepted, lock: Semaphore.Semaphore, written?: boolean) =>
  Effect.gen(function* () {
    const host = yield* Host
    const settings = yield* AmpConfig
    const { routing, reply, copy, request } = accepted
    let state: AmpMessageState = startMessage(request.rules, routing)
    let archiveKey: string | undefined
    let offlineKey: string | undefined

    const step = (event: AmpEvent) =>
      Effect.gen(function* () {
        const resolution: Resolution = resolve(state, event, yield* host.now)
        state = resolution.state
        yield* act(reply, event, resolution)
        return resolution
      })
    const stopped = Effect.gen(function* () {
      const failed = orLogged("copy-removal-failed", undefined, { messageId: reply.id })
      if (archiveKey !== undefined) yield* failed(host.removeArchived(archiveKey))
      if (offlineKey !== undefined) yield* failed(host.removeOffline(offlineKey))
      return "stopped" as MessageEnd
    })
    const discarded = (condition: BounceCondition) =>
      Effect.as(
        host.send(bounceMessage(reply.sender, reply.originalTo, reply.id, condition)),
        "discarded" as MessageEnd,
      )
    const ending = (resolution: Resolution, condition: BounceCondition) =>
      resolution.stop
        ? stopped
        : resolution.ended === "discarded"
          ? discarded(condition)
          : undefined

    const initial = yield* step("initial")
    const initialEnd = ending(initial, INITIAL_BOUNCE[routing.kind])
    if (initialEnd !== undefined) return yield* initialEnd

    if (routing.wouldArchive) {
      archiveKey = yield* host.archive(copy).pipe(orLogged("archive-write-failed", undefined))
      const archived = yield* step(archiveKey === undefined ? "archive-failed" : "archived")
      const end = ending(archived, "internal-server-error")
      if (end !== undefined) return yield* end
    }

    if (state.stage === "direct") {
      const confirmed =
        written ??
        (yield* host
          .deliver(copy, settings.directConfirm)
          .pipe(orLogged("socket-write-failed", false)))
      const delivery = yield* step(confirmed ? "delivered" : "delivery-failed")
      const end = ending(delivery, "service-unavailable")
      if (end !== undefined) return yield* end
      if (delivery.ended === "delivered") return "delivered" as MessageEnd
    }

    const id = randomUUID()
    return yield* lock.withPermits(1)(
      Effect.gen(function* () {
        if (state.stage === "stored" && storageOf(state.routing) === "offline") {
          offlineKey = yield* host
            .storeOffline(copy, id)
            .pipe(orLogged("offline-write-failed", undefined))
          const storing = yield* step(offlineKey === undefined ? "store-failed" : "stored")
          const end = ending(storing, "internal-server-error")
          if (end !== undefined) return yield* end
        }
        const nextExpiry = firstExpiry(state)
        if (state.stage === "in-storage" && nextExpiry !== undefined) {
          const pending = { id, recipient: routing.recipient, reply, offlineKey, archiveKey, state }
          yield* host
            .putPending(pendingRow(pending, nextExpiry))
            .pipe(orLogged("pending-rules-lost", undefined, { messageId: reply.id }))
        }
        return "stored" as MessageEnd
      }),
    )
  })

/** The earliest pending `expire-at` instant of a state. */
export const firstExpiry = (state: AmpMessageState): number | undefined =>
  state.rules.reduce<number | undefined>(
    (earliest, rule) =>
      rule.condition === "expire-at" && (earliest === undefined || rule.expiresAt < earliest)
        ? rule.expiresAt
        : earliest,
    undefined,
  )
