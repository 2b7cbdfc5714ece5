// Carrying out one resolver decision (spec §4, §5): log the rule that acted, send its reply to
// the sender (XEP-0079 §3.4), count it, and log what was used up or discarded. Shared by the
// message lifecycle, offline delivery and the expiry scheduler.
import { type AmpEvent, actionReply, type ReplyContext, type Resolution } from "@xmpp-amp/amp-core"
import * as Effect from "effect/Effect"
import { AmpCounters } from "./Counters.js"
import { Host } from "./HostService.js"
import { logLine } from "./Log.js"
import { orLogged } from "./Recover.js"

const ruleFields = (rule: { action: string; condition: string; value: string }) => ({
  action: rule.action,
  condition: rule.condition,
  value: rule.value,
})

/** Sends the reply of the rule that fired at `event` (if any), with log lines and counters. */
export const act = (context: ReplyContext, event: AmpEvent, resolution: Resolution) =>
  resolution.fired === undefined &&
  resolution.usedUp.length === 0 &&
  resolution.discarded.length === 0
    ? Effect.void
    : actOn(context, event, resolution)

const actOn = (context: ReplyContext, event: AmpEvent, resolution: Resolution) =>
  Effect.gen(function* () {
    const host = yield* Host
    const counters = yield* AmpCounters
    const annotations = { messageId: context.id, sender: context.sender, event }
    const fired = resolution.fired
    if (fired !== undefined) {
      yield* counters.increment("rulesMatched")
      yield* logLine("rule-matched", { ...annotations, ...ruleFields(fired) })
      const reply = actionReply(context, fired)
      if (reply !== undefined) {
        const sent = yield* Effect.as(host.sendToUser(reply), true).pipe(
          orLogged("notification-failed", false, annotations),
        )
        if (sent) {
          yield* counters.increment("notificationsSent")
          yield* logLine("notification-sent", { ...annotations, status: fired.action })
        }
      }
      if (resolution.stop) {
        yield* counters.increment("messagesDropped")
        yield* logLine("message-dropped", { ...annotations, action: fired.action })
      }
      if (
        fired.condition === "expire-at" &&
        (event === "expired" || event === "offline-delivery")
      ) {
        yield* counters.increment("messagesExpired")
        yield* logLine("message-expired", {
          ...annotations,
          action: fired.action,
          value: fired.value,
        })
      }
    }
    for (const rule of resolution.usedUp) {
      yield* logLine("rule-used-up", { ...annotations, ...ruleFields(rule) }, "Debug")
    }
    for (const rule of resolution.discarded) {
      yield* logLine("rule-discarded", { ...annotations, ...ruleFields(rule) }, "Debug")
    }
  })
