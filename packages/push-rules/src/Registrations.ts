// XEP-0357 §5 and §6 on the server side: enabling binds a registration to the session that sent
// it (replacing the same service and node, evicting the least recently used one past
// `maxDevices`), disabling removes registrations and unbinds them from every session.
import type { Element } from "@xmpp/xml"
import { dropPending } from "./Coalescing.js"
import type { DisableRequest } from "./Disable.js"
import type { EnableRequest } from "./Enable.js"
import { bareJid, normalizeJid } from "./Jid.js"
import type { PushDecision, RemovalReason } from "./PushDecision.js"
import { errorReply, parsePushRequest, resultReply } from "./PushRequest.js"
import type { SessionId } from "./PushState.js"
import {
  forgetUserIfIdle,
  newRegistrationRecord,
  type PushState,
  type RegistrationRecord,
  registrationKey,
  storedRegistrationOf,
  userRecord,
} from "./PushState.js"

/** Unbinds `record` from its session; a hibernated session gets its usual timeout back. */
export const unbindRegistration = (
  state: PushState,
  record: RegistrationRecord,
  decisions: PushDecision[],
): void => {
  const session = record.session === undefined ? undefined : state.sessions.get(record.session)
  record.session = undefined
  if (session === undefined || session.registration !== record.key) return
  session.registration = undefined
  if (session.status === "hibernated" && state.settings.hibernationTimeoutWithPushMs > 0) {
    decisions.push({ type: "hibernation-timeout-restored", session: session.id })
  }
}

/** Forgets `record` here: unbound, nothing pending, never pushed again (not a durable change). */
export const forgetRegistration = (
  state: PushState,
  record: RegistrationRecord,
  decisions: PushDecision[],
): void => {
  unbindRegistration(state, record, decisions)
  dropPending(state, record)
  state.registrations.delete(record.key)
  state.windowEnds.delete(record.key)
  const keys = state.users.get(record.user)?.registrations
  const index = keys?.indexOf(record.key) ?? -1
  if (keys !== undefined && index !== -1) keys.splice(index, 1)
  forgetUserIfIdle(state, record.user)
}

/** Removes `record` for `reason`: unbound, forgotten, nothing pending, never pushed again. */
export const removeRegistration = (
  state: PushState,
  record: RegistrationRecord,
  reason: RemovalReason,
  decisions: PushDecision[],
): void => {
  forgetRegistration(state, record, decisions)
  decisions.push({
    type: "registration-removed",
    registration: storedRegistrationOf(record),
    reason,
  })
}

export const bindToSession = (
  state: PushState,
  record: RegistrationRecord,
  sessionId: SessionId,
  decisions: PushDecision[],
): void => {
  const session = state.sessions.get(sessionId)
  if (record.session !== sessionId) unbindRegistration(state, record, decisions)
  if (session === undefined) return
  const previous =
    session.registration === undefined ? undefined : state.registrations.get(session.registration)
  if (previous !== undefined && previous !== record) previous.session = undefined
  session.registration = record.key
  record.session = sessionId
  record.boundElsewhere = false
  decisions.push({
    type: "registration-bound",
    registration: storedRegistrationOf(record),
    bound: true,
  })
}

const leastRecentlyUsed = (
  state: PushState,
  keys: readonly string[],
  keep: string,
): RegistrationRecord | undefined => {
  let oldest: RegistrationRecord | undefined
  for (const key of keys) {
    const record = state.registrations.get(key)
    if (record === undefined || key === keep) continue
    if (oldest === undefined || record.lastUsed < oldest.lastUsed) oldest = record
  }
  return oldest
}

const enable = (
  state: PushState,
  user: string,
  sessionId: SessionId,
  request: EnableRequest,
  decisions: PushDecision[],
): void => {
  const service = normalizeJid(request.service)
  const key = registrationKey(user, service, request.node)
  const account = userRecord(state, user)
  let record = state.registrations.get(key)
  if (record === undefined) {
    record = newRegistrationRecord(state, {
      user,
      service,
      node: request.node,
      lastUsed: state.now,
      errorCount: 0,
    })
    state.registrations.set(key, record)
    account.registrations.push(key)
  }
  record.publishOptions = request.publishOptions
  record.errorCount = 0
  record.lastUsed = state.now
  while (account.registrations.length > state.settings.maxDevices) {
    const evicted = leastRecentlyUsed(state, account.registrations, key)
    if (evicted === undefined) break
    removeRegistration(state, evicted, "evicted", decisions)
  }
  bindToSession(state, record, sessionId, decisions)
  decisions.push({ type: "registration-saved", registration: storedRegistrationOf(record) })
}

const disable = (
  state: PushState,
  user: string,
  request: DisableRequest,
  decisions: PushDecision[],
): void => {
  const service = normalizeJid(request.service)
  const keys = state.users.get(user)?.registrations ?? []
  const matching = keys
    .map((key) => state.registrations.get(key))
    .filter(
      (record): record is RegistrationRecord =>
        record !== undefined &&
        record.service === service &&
        (request.node === undefined || record.node === request.node),
    )
  for (const record of matching) removeRegistration(state, record, "disabled", decisions)
}

/** Handles an enable or disable IQ from `user` on session `sessionId`, replying to it. */
export const handlePushRequest = (
  state: PushState,
  sessionId: SessionId,
  user: string,
  iq: Element,
  decisions: PushDecision[],
): void => {
  const request = parsePushRequest(iq, user)
  if (!request.ok) {
    decisions.push({ type: "reply", iq: errorReply(iq, user, request.error) })
    return
  }
  const account = bareJid(user)
  if (request.value.kind === "enable") {
    enable(state, account, sessionId, request.value.request, decisions)
  } else {
    disable(state, account, request.value.request, decisions)
  }
  decisions.push({ type: "reply", iq: resultReply(iq, user) })
}
