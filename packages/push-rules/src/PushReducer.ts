// The push business rules as one pure step (project push spec; XEP-0357 §5–§7): the current state,
// one host event and the time in, the next state and the host's to-do list of decisions out.
import { advanceClock } from "./Coalescing.js"
import type { PushDecision } from "./PushDecision.js"
import type { PushEvent } from "./PushEvent.js"
import type { PushState } from "./PushState.js"
import { handlePushRequest } from "./Registrations.js"
import { registrationAdopted, registrationChangedElsewhere } from "./RegistrationsElsewhere.js"
import { pushAnswered } from "./Responses.js"
import {
  clientStateChanged,
  sessionAckDelayed,
  sessionConnected,
  sessionGone,
  sessionHibernated,
  sessionOpened,
} from "./Sessions.js"
import { messageArchived, messageStoredOffline, stanzaQueuedForSession } from "./Triggers.js"

/** The outcome of one step: the state to pass to the next step, and what the host must do. */
export interface PushStep {
  /** The state after the event (the same object, updated: the reducer owns it). */
  readonly state: PushState
  /** What the host must do, in order. */
  readonly decisions: readonly PushDecision[]
}

const apply = (state: PushState, event: PushEvent, decisions: PushDecision[]): void => {
  switch (event.type) {
    case "session-opened":
      sessionOpened(state, event.session, event.jid, decisions)
      return
    case "session-gone":
      sessionGone(state, event.session, decisions)
      return
    case "enable-requested":
    case "disable-requested":
      handlePushRequest(state, event.session, event.user, event.iq, decisions)
      return
    case "message-archived":
      messageArchived(state, event.user, event.id, event.stanza, decisions)
      return
    case "message-stored-offline":
      messageStoredOffline(state, event.user, event.id, event.stanza, decisions)
      return
    case "push-answered":
      pushAnswered(state, event.pushId, event.outcome, decisions)
      return
    case "registration-adopted":
      registrationAdopted(state, event.session, event.user, event.service, event.node, decisions)
      return
    case "registration-changed-elsewhere":
      registrationChangedElsewhere(state, event.registration, event.change, decisions)
      return
    case "clock-ticked":
      return
  }
  const session = state.sessions.get(event.session)
  if (session === undefined) return
  switch (event.type) {
    case "stanza-queued":
      stanzaQueuedForSession(state, session, event, decisions)
      return
    case "session-ack-delayed":
      sessionAckDelayed(state, session, event.queue, decisions)
      return
    case "session-hibernated":
      sessionHibernated(state, session, event.queue, decisions)
      return
    case "session-acked":
    case "session-resumed":
      sessionConnected(state, session)
      return
    case "client-state-changed":
      clientStateChanged(state, session, event.state)
      return
  }
}

/**
 * One step of the push rules at time `now` (ms, any epoch, never going back): first sends what
 * ended coalescing windows had folded and forgets pushes unanswered for too long, then applies
 * `event`. Pure apart from updating `state`, which it owns; no I/O, no clock of its own.
 */
export const reducePush = (state: PushState, event: PushEvent, now: number): PushStep => {
  const decisions: PushDecision[] = []
  advanceClock(state, now, decisions)
  apply(state, event, decisions)
  return { state, decisions }
}
