// Session life as the host reports it (XEP-0198 stream management, XEP-0352 client state) and
// what it means for push: a hibernated session keeps its registration and asks for a longer
// timeout, a returning device drops pushes still pending, an active client resets the unread count.
import { dropPending } from "./Coalescing.js"
import { bareJid } from "./Jid.js"
import type { PushDecision } from "./PushDecision.js"
import type { QueuedStanza } from "./PushEvent.js"
import type { ClientState, PushState, SessionId, SessionRecord } from "./PushState.js"
import { forgetUserIfIdle, storedRegistrationOf, userRecord } from "./PushState.js"
import { stanzaQueuedForSession } from "./Triggers.js"

const boundRegistration = (state: PushState, session: SessionRecord) =>
  session.registration === undefined ? undefined : state.registrations.get(session.registration)

/** The device of `session` is connected again: nothing pending for it is worth sending. */
const deviceReturned = (state: PushState, session: SessionRecord): void => {
  const record = boundRegistration(state, session)
  if (record === undefined) return
  record.lastUsed = state.now
  dropPending(state, record)
}

/** A connected session whose client is active means its user has seen their messages. */
const resetUnreadIfActive = (state: PushState, session: SessionRecord): void => {
  if (session.status !== "active" || session.clientState !== "active") return
  const account = state.users.get(session.user)
  if (account !== undefined) account.unread = 0
}

/** A session that is gone: its registration stays, unbound, for archive and offline pushes. */
export const sessionGone = (state: PushState, id: SessionId, decisions: PushDecision[]): void => {
  const session = state.sessions.get(id)
  if (session === undefined) return
  const record = boundRegistration(state, session)
  session.registration = undefined
  if (record !== undefined && record.session === id) {
    record.session = undefined
    const registration = storedRegistrationOf(record)
    decisions.push({ type: "registration-bound", registration, bound: false })
  }
  state.sessions.delete(id)
  const account = state.users.get(session.user)
  if (account !== undefined) account.sessions -= 1
  forgetUserIfIdle(state, session.user)
}

/** A new session of account `jid` (connected, client active). */
export const sessionOpened = (
  state: PushState,
  id: SessionId,
  jid: string,
  decisions: PushDecision[],
): void => {
  sessionGone(state, id, decisions)
  const session: SessionRecord = {
    id,
    user: bareJid(jid),
    status: "active",
    clientState: "active",
    registration: undefined,
  }
  state.sessions.set(id, session)
  userRecord(state, session.user).sessions += 1
  resetUnreadIfActive(state, session)
}

/** Rules 1 and 2 for a batch: the session's queue when it stops acking or hibernates. */
const pushQueue = (
  state: PushState,
  session: SessionRecord,
  queue: readonly QueuedStanza[],
  decisions: PushDecision[],
): void => {
  for (const queued of queue) stanzaQueuedForSession(state, session, queued, decisions)
}

/** The client has not acked in time: its unacked stanzas, and later ones, are pushed. */
export const sessionAckDelayed = (
  state: PushState,
  session: SessionRecord,
  queue: readonly QueuedStanza[],
  decisions: PushDecision[],
): void => {
  if (session.status === "active") session.status = "ack-delayed"
  pushQueue(state, session, queue, decisions)
}

/** The connection is gone and the session waits for resumption; its queue is pushed. */
export const sessionHibernated = (
  state: PushState,
  session: SessionRecord,
  queue: readonly QueuedStanza[],
  decisions: PushDecision[],
): void => {
  session.status = "hibernated"
  const timeoutMs = state.settings.hibernationTimeoutWithPushMs
  if (boundRegistration(state, session) !== undefined && timeoutMs > 0) {
    decisions.push({ type: "hibernation-timeout-extended", session: session.id, timeoutMs })
  }
  pushQueue(state, session, queue, decisions)
}

/** The session is connected and acking again (resumed, or acked after a delay). */
export const sessionConnected = (state: PushState, session: SessionRecord): void => {
  session.status = "active"
  deviceReturned(state, session)
  resetUnreadIfActive(state, session)
}

/** The client reported a CSI state change. */
export const clientStateChanged = (
  state: PushState,
  session: SessionRecord,
  clientState: ClientState,
): void => {
  session.clientState = clientState
  if (clientState === "active") {
    const record = boundRegistration(state, session)
    if (record !== undefined) record.lastUsed = state.now
  }
  resetUnreadIfActive(state, session)
}
