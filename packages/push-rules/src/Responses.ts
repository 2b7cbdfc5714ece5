// XEP-0357 §7.1: what the app server's answer to a push means. A result resets the error count,
// a `wait` error or a timeout changes nothing, any other error counts; `maxErrors` errors in a row
// disable the registration and unbind it from every session.
import { drainWaiting, flushPending, settlePush } from "./Coalescing.js"
import type { PushDecision } from "./PushDecision.js"
import type { PushOutcome } from "./PushEvent.js"
import { type PushState, storedRegistrationOf } from "./PushState.js"
import { removeRegistration } from "./Registrations.js"

/** Applies the app server's answer to push `pushId`; answers to unknown pushes are ignored. */
export const pushAnswered = (
  state: PushState,
  pushId: string,
  outcome: PushOutcome,
  decisions: PushDecision[],
): void => {
  const wasInFlight = state.inFlight.has(pushId)
  const record = settlePush(state, pushId)
  if (!wasInFlight) return
  if (record !== undefined) {
    if (outcome.type === "result" && record.errorCount > 0) {
      record.errorCount = 0
      decisions.push({ type: "registration-saved", registration: storedRegistrationOf(record) })
    } else if (outcome.type === "error" && outcome.errorType !== "wait") {
      record.errorCount += 1
      if (record.errorCount >= state.settings.maxErrors) {
        removeRegistration(state, record, "too-many-errors", decisions)
      } else {
        decisions.push({ type: "registration-saved", registration: storedRegistrationOf(record) })
      }
    }
  }
  drainWaiting(state, decisions)
  if (record !== undefined && state.registrations.has(record.key)) {
    flushPending(state, record, decisions)
  }
}
