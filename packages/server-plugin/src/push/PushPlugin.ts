// The push module (XEP-0357 §5–§7.1, project push spec): owns the state of the pure push rules
// (@xmpp-amp/push-rules), feeds them the host's events in the order they happen, and carries out
// their decisions: publishes routed to app servers (answers fed back: error counting and
// auto-disable), durable registrations, hibernation timeouts, and clock ticks for coalescing.
// Every host event is handled synchronously and cheaply, so a push never delays a delivery;
// publishes are asynchronous and bounded by the rules (in flight per registration and in total).
import type { Element } from "@xmpp/xml"
import {
  createPushState,
  inFlightPushCount,
  nextDeadline,
  outcomeOfReply,
  PUSH_FEATURE,
  type PushDecision,
  type PushEvent,
  type PushOutcome,
  type PushState,
  reducePush,
  type SessionId,
} from "@xmpp-amp/push-rules"
import { parsePushSettings } from "./PushConfig.js"
import type { PushHost } from "./PushHost.js"

/** The host events the module reacts to (the rules' own events are produced inside). */
export type PushHostEvent = Exclude<
  PushEvent,
  { readonly type: "push-answered" | "clock-ticked" | "enable-requested" | "disable-requested" }
>

/** One structured log line of the push module (`push-sent`, `push-unanswered`, …). */
export interface PushLogLine {
  /** The severity. */
  readonly level: "Debug" | "Info" | "Warn" | "Error"
  /** The event name, noun first. */
  readonly message: string
  /** The fields: user, app server, node, reason, … */
  readonly annotations: Readonly<Record<string, unknown>>
}

/** Options of `startPushPlugin`. */
export interface PushStartOptions {
  /** Receives every log line (default: none). */
  readonly onLog?: (line: PushLogLine) => void
}

/** A running push module: the host calls these on its events, and `stop` on shutdown. */
export interface PushPluginHandle {
  /** Features for disco#info of every account's bare JID (XEP-0357 §3). */
  readonly accountFeatures: readonly string[]
  /** Reports a host event (session life, stanza queued, CSI, archive, offline storage). */
  readonly report: (event: PushHostEvent) => void
  /** Handles an `<enable/>` or `<disable/>` IQ (§5, §6) of `user` on `session`; the reply. */
  readonly handleRequest: (iq: Element, session: SessionId, user: string) => Element
  /** Publishes sent and not answered yet (bounded by `max_in_flight_total`). */
  readonly inFlight: () => number
  /** Stops the clock and waits for pending registration writes; publishes are forgotten. */
  readonly stop: () => Promise<void>
}

const MAX_TIMER_MS = 2 ** 31 - 1

const describeOutcome = (outcome: PushOutcome): Record<string, unknown> =>
  outcome.type === "error"
    ? { outcome: "error", errorType: outcome.errorType, condition: outcome.condition }
    : { outcome: outcome.type }

/**
 * Starts the push module for `host` with a `[modules.push]` table; throws `PushConfigError` for a
 * bad table. Registrations are loaded from the host's durable table before it resolves.
 */
export const startPushPlugin = async (
  host: PushHost,
  table: Readonly<Record<string, unknown>> = {},
  options: PushStartOptions = {},
): Promise<PushPluginHandle> => {
  const settings = parsePushSettings(table)
  const log = (
    level: PushLogLine["level"],
    message: string,
    annotations: Record<string, unknown>,
  ) => options.onLog?.({ level, message, annotations })
  let state: PushState = createPushState(settings, await host.registrations.load())
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let timerDeadline: number | undefined
  let storage: Promise<void> = Promise.resolve()

  const persist = (write: () => Promise<void>, what: Record<string, unknown>) => {
    storage = storage
      .then(write)
      .catch((error: unknown) =>
        log("Error", "push-registration-write-failed", { ...what, error: String(error) }),
      )
  }

  const answered = (pushId: string, outcome: PushOutcome) => {
    if (stopped) return
    step({ type: "push-answered", pushId, outcome })
  }

  const publish = (decision: Extract<PushDecision, { type: "push" }>) => {
    const about = { user: decision.user, service: decision.service, node: decision.node }
    log("Debug", "push-sent", {
      ...about,
      push: decision.pushId,
      important: decision.important,
      stanzas: decision.stanzaCount,
    })
    host.publish(decision.iq, settings.pushTimeoutMs).then(
      (reply) => {
        const outcome = outcomeOfReply(reply)
        if (outcome.type === "error") {
          log("Warn", "push-refused", {
            ...about,
            push: decision.pushId,
            ...describeOutcome(outcome),
          })
        }
        answered(decision.pushId, outcome)
      },
      (error: unknown) => {
        log("Warn", "push-unanswered", { ...about, push: decision.pushId, reason: String(error) })
        answered(decision.pushId, { type: "timeout" })
      },
    )
  }

  const carryOut = (decisions: readonly PushDecision[]): Element | undefined => {
    let reply: Element | undefined
    for (const decision of decisions) {
      switch (decision.type) {
        case "push":
          publish(decision)
          break
        case "reply":
          reply = decision.iq
          break
        case "registration-saved": {
          const { registration } = decision
          persist(() => host.registrations.save(registration), { user: registration.user })
          host.shareRegistration?.(registration, "saved")
          break
        }
        case "registration-bound":
          host.shareRegistration?.(decision.registration, decision.bound ? "bound" : "unbound")
          break
        case "registration-removed": {
          const { registration, reason } = decision
          log("Info", "push-registration-removed", {
            user: registration.user,
            service: registration.service,
            node: registration.node,
            reason,
          })
          persist(() => host.registrations.remove(registration), { user: registration.user })
          host.shareRegistration?.(registration, "removed")
          break
        }
        case "hibernation-timeout-extended":
          host.extendHibernation(decision.session, decision.timeoutMs)
          break
        case "hibernation-timeout-restored":
          host.restoreHibernation(decision.session)
          break
      }
    }
    return reply
  }

  const schedule = () => {
    const deadline = nextDeadline(state)
    if (deadline === timerDeadline) return
    clearTimeout(timer)
    timer = undefined
    timerDeadline = deadline
    if (deadline === undefined || stopped) return
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, deadline - host.now()))
    timer = setTimeout(() => {
      timer = undefined
      timerDeadline = undefined
      step({ type: "clock-ticked" })
    }, delay)
    timer.unref()
  }

  function step(event: PushEvent): Element | undefined {
    if (stopped) return undefined
    const result = reducePush(state, event, host.now())
    state = result.state
    const reply = carryOut(result.decisions)
    schedule()
    return reply
  }

  return {
    accountFeatures: [PUSH_FEATURE],
    report: (event) => {
      try {
        step(event)
      } catch (error) {
        log("Error", "push-event-failed", { event: event.type, error: String(error) })
      }
    },
    handleRequest: (iq, session, user) => {
      const type = iq.getChild("enable") === undefined ? "disable-requested" : "enable-requested"
      const reply = step({ type, session, user, iq })
      if (reply === undefined) throw new Error("the push rules gave no reply to a push request")
      return reply
    },
    inFlight: () => inFlightPushCount(state),
    stop: async () => {
      stopped = true
      clearTimeout(timer)
      await storage
    },
  }
}
