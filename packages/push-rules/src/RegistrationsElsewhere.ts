// Registrations changed by another node of a cluster (spec/cluster.md guarantee 3: push
// unchanged across nodes, at most one push per registration and stanza). Each node keeps the
// whole registration table in its rules state; the others' decisions (saved, removed, bound to
// or unbound from one of their live sessions) are applied here without being stored again. A
// registration bound elsewhere is that node's to push for a queued stanza, and counts as bound
// to a live session for archived messages (rule 3) here. A session resumed here from another node
// takes its registration along.

import { bareJid, normalizeJid } from "./Jid.js"
import type { PushDecision } from "./PushDecision.js"
import type { RegistrationChangeElsewhere } from "./PushEvent.js"
import {
  newRegistrationRecord,
  type PushState,
  type RegistrationRecord,
  registrationKey,
  type SessionId,
  type StoredRegistration,
  userRecord,
} from "./PushState.js"
import { bindToSession, forgetRegistration, unbindRegistration } from "./Registrations.js"

/** The record of `stored` here, created (unbound) when this node did not know it yet. */
const recordOf = (state: PushState, stored: StoredRegistration): RegistrationRecord => {
  const fresh = newRegistrationRecord(state, stored)
  const existing = state.registrations.get(fresh.key)
  if (existing !== undefined) return existing
  state.registrations.set(fresh.key, fresh)
  userRecord(state, fresh.user).registrations.push(fresh.key)
  return fresh
}

/** Applies what another node did with `stored`; decides nothing durable. */
export const registrationChangedElsewhere = (
  state: PushState,
  stored: StoredRegistration,
  change: RegistrationChangeElsewhere,
  decisions: PushDecision[],
): void => {
  if (change === "removed") {
    const key = newRegistrationRecord(state, stored).key
    const record = state.registrations.get(key)
    if (record !== undefined) forgetRegistration(state, record, decisions)
    return
  }
  const record = recordOf(state, stored)
  record.publishOptions = stored.publishOptions
  record.errorCount = stored.errorCount
  record.lastUsed = Math.max(record.lastUsed, stored.lastUsed)
  if (change === "bound") {
    // The device now lives on the other node: a session here no longer holds it.
    unbindRegistration(state, record, decisions)
    record.boundElsewhere = true
  } else if (change === "unbound") {
    record.boundElsewhere = false
  }
}

/**
 * A session resumed here from another node (XEP-0198 across nodes) had registration
 * `(user, service, node)` bound there: it is bound to the session here now. Unknown: nothing.
 */
export const registrationAdopted = (
  state: PushState,
  session: SessionId,
  user: string,
  service: string,
  node: string,
  decisions: PushDecision[],
): void => {
  const record = state.registrations.get(
    registrationKey(bareJid(user), normalizeJid(service), node),
  )
  if (record !== undefined) bindToSession(state, record, session, decisions)
}
