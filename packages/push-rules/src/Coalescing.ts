// Project push spec rule 7 and the memory bounds of XEP-0357 §7.1 handling: every push candidate
// goes through here. A registration gets at most one important and one unimportant push per
// coalescing window and at most `maxInFlightPerRegistration` unanswered pushes; anything beyond is
// folded into one pending push per importance, sent as soon as both the window and a slot allow.
import { domainOf } from "./Jid.js"
import { pushNotificationCodec } from "./Notification.js"
import type { PushDecision } from "./PushDecision.js"
import type { PendingPush, PushState, RegistrationRecord } from "./PushState.js"
import { hashId } from "./RecentIds.js"
import type { StanzaFacts } from "./StanzaImportance.js"
import type { NotificationSummary } from "./Summary.js"

const windowIsOpen = (state: PushState, record: RegistrationRecord): boolean =>
  record.windowEnd !== undefined && state.now < record.windowEnd

const summaryOf = (
  state: PushState,
  record: RegistrationRecord,
  important: boolean,
  latest: StanzaFacts,
): NotificationSummary => {
  const { settings } = state
  const body = settings.includeLastMessageBody ? latest.body : undefined
  const shownBody = important ? (body ?? settings.importantBody) : body
  return {
    ...(settings.includeMessageCount
      ? { messageCount: state.users.get(record.user)?.unread ?? 0 }
      : {}),
    ...(settings.includeLastMessageSender && latest.sender !== undefined
      ? { lastMessageSender: latest.sender }
      : {}),
    ...(shownBody === undefined ? {} : { lastMessageBody: shownBody }),
  }
}

const send = (
  state: PushState,
  record: RegistrationRecord,
  important: boolean,
  pending: PendingPush,
  decisions: PushDecision[],
): void => {
  const { coalescingWindowMs } = state.settings
  if (coalescingWindowMs > 0 && !windowIsOpen(state, record)) {
    record.windowEnd = state.now + coalescingWindowMs
    record.sentImportant = false
    record.sentUnimportant = false
    state.windowEnds.delete(record.key)
    state.windowEnds.set(record.key, record.windowEnd)
  }
  if (important) record.sentImportant = true
  else record.sentUnimportant = true
  state.pushesSent += 1
  const pushId = `push-${state.pushesSent}`
  state.inFlight.set(pushId, { registration: record.key, sentAt: state.now })
  record.inFlight += 1
  const summary = summaryOf(state, record, important, pending.latest)
  const iq = pushNotificationCodec.serialize({
    from: domainOf(record.user),
    to: record.service,
    id: pushId,
    node: record.node,
    summary,
    ...(record.publishOptions === undefined ? {} : { publishOptions: record.publishOptions }),
  })
  decisions.push({
    type: "push",
    pushId,
    user: record.user,
    service: record.service,
    node: record.node,
    important,
    stanzaCount: pending.count,
    latestStanzaId: pending.latestId,
    summary,
    iq,
  })
}

/** Sends what `record` has pending, as far as its window and the in-flight limits allow. */
export const flushPending = (
  state: PushState,
  record: RegistrationRecord,
  decisions: PushDecision[],
): void => {
  const { pendingImportant, pendingUnimportant } = record
  if (pendingImportant === undefined && pendingUnimportant === undefined) return
  if (record.inFlight >= state.settings.maxInFlightPerRegistration) return
  if (state.inFlight.size >= state.settings.maxInFlightTotal) {
    state.waiting.add(record.key)
    return
  }
  const open = windowIsOpen(state, record)
  if (pendingImportant !== undefined && !(open && record.sentImportant)) {
    const count = pendingImportant.count + (pendingUnimportant?.count ?? 0)
    record.pendingImportant = undefined
    record.pendingUnimportant = undefined
    send(state, record, true, { ...pendingImportant, count }, decisions)
  } else if (pendingUnimportant !== undefined && !(open && record.sentUnimportant)) {
    record.pendingUnimportant = undefined
    send(state, record, false, pendingUnimportant, decisions)
  }
}

/**
 * Offers stanza `id` to `record`: ignored if this registration already had it, otherwise folded
 * into its pending push and sent at once when the window and limits allow. Returns whether new.
 */
export const offerStanza = (
  state: PushState,
  record: RegistrationRecord,
  id: string,
  facts: StanzaFacts,
  decisions: PushDecision[],
  hash: number = hashId(id),
): boolean => {
  if (record.recent.has(id, hash)) return false
  record.recent.add(id, hash)
  const pending = facts.important ? record.pendingImportant : record.pendingUnimportant
  const merged = { count: (pending?.count ?? 0) + 1, latest: facts, latestId: id }
  if (facts.important) record.pendingImportant = merged
  else record.pendingUnimportant = merged
  flushPending(state, record, decisions)
  return true
}

/** Forgets what `record` had pending (its device is connected again). */
export const dropPending = (state: PushState, record: RegistrationRecord): void => {
  record.pendingImportant = undefined
  record.pendingUnimportant = undefined
  state.waiting.delete(record.key)
}

/** Sends the pushes of registrations waiting for a free global in-flight slot, oldest first. */
export const drainWaiting = (state: PushState, decisions: PushDecision[]): void => {
  for (const key of state.waiting) {
    if (state.inFlight.size >= state.settings.maxInFlightTotal) return
    state.waiting.delete(key)
    const record = state.registrations.get(key)
    if (record !== undefined) flushPending(state, record, decisions)
  }
}

/** Frees the in-flight slot of push `pushId`; returns its registration if it still exists. */
export const settlePush = (state: PushState, pushId: string): RegistrationRecord | undefined => {
  const entry = state.inFlight.get(pushId)
  if (entry === undefined) return undefined
  state.inFlight.delete(pushId)
  const record = state.registrations.get(entry.registration)
  if (record !== undefined) record.inFlight -= 1
  return record
}

/**
 * Moves the rules' clock to `now` (never backwards): forgets pushes unanswered for
 * `pushTimeoutMs`, closes ended windows and sends what they had folded, then drains waiters.
 */
export const advanceClock = (state: PushState, now: number, decisions: PushDecision[]): void => {
  if (now > state.now) state.now = now
  const expired: string[] = []
  for (const [pushId, entry] of state.inFlight) {
    if (entry.sentAt + state.settings.pushTimeoutMs > state.now) break
    expired.push(pushId)
  }
  const released = expired.flatMap((pushId) => settlePush(state, pushId) ?? [])
  for (const [key, end] of state.windowEnds) {
    if (end > state.now) break
    state.windowEnds.delete(key)
    const record = state.registrations.get(key)
    if (record === undefined || record.windowEnd !== end) continue
    record.windowEnd = undefined
    record.sentImportant = false
    record.sentUnimportant = false
    flushPending(state, record, decisions)
  }
  drainWaiting(state, decisions)
  for (const record of released) flushPending(state, record, decisions)
}
