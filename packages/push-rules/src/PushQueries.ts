// Read-only views of the push rules' state, for the host (storage, disco, timers) and for tests:
// registrations (XEP-0357 §5), sessions, unread counts and the bounded in-flight work.

import { bareJid } from "./Jid.js"
import type { PushState, Registration, Session, SessionId } from "./PushState.js"
import { storedRegistrationOf } from "./PushState.js"

/** The registrations of `user` (any JID of the account), oldest first. */
export const registrationsOf = (state: PushState, user: string): Registration[] =>
  (state.users.get(bareJid(user))?.registrations ?? []).flatMap((key) => {
    const record = state.registrations.get(key)
    if (record === undefined) return []
    const stored = storedRegistrationOf(record)
    return [record.session === undefined ? stored : { ...stored, session: record.session }]
  })

/** The session `id` as the rules see it, if it is live. */
export const sessionOf = (state: PushState, id: SessionId): Session | undefined => {
  const record = state.sessions.get(id)
  if (record === undefined) return undefined
  const { user, status, clientState, registration } = record
  return registration === undefined
    ? { id, user, status, clientState }
    : { id, user, status, clientState, registration }
}

/** Unread important messages of `user` since their last active session. */
export const unreadCountOf = (state: PushState, user: string): number =>
  state.users.get(bareJid(user))?.unread ?? 0

/** Pushes sent and not yet answered (never more than `maxInFlightTotal`). */
export const inFlightPushCount = (state: PushState): number => state.inFlight.size

/**
 * When the host should next send a `clock-ticked` event (ms), if anything waits on time: the end
 * of the oldest open coalescing window or the expiry of the oldest unanswered push.
 */
export const nextDeadline = (state: PushState): number | undefined => {
  const windowEnd: number | undefined = state.windowEnds.values().next().value
  const oldestPush = state.inFlight.values().next().value
  const expiry =
    oldestPush === undefined ? undefined : oldestPush.sentAt + state.settings.pushTimeoutMs
  if (windowEnd === undefined) return expiry
  return expiry === undefined ? windowEnd : Math.min(windowEnd, expiry)
}
