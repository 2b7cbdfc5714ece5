// Project push spec rules 1–6 (after Prosody mod_cloud_notify's business rules): which
// registrations a stanza is offered to. Queued to a hibernated or ack-delayed session: that
// session's registration only, unless CSI held it back. Archived (XEP-0313): registrations not
// bound to a live session. Stored offline: all of the user's registrations.
import { offerStanza } from "./Coalescing.js"
import { bareJid } from "./Jid.js"
import type { PushDecision } from "./PushDecision.js"
import type { QueuedStanza } from "./PushEvent.js"
import type { PushState, RegistrationRecord, SessionRecord } from "./PushState.js"
import { classifyStanza, type StanzaFacts } from "./StanzaImportance.js"

const countUnread = (state: PushState, user: string, id: string, facts: StanzaFacts): void => {
  if (!facts.important) return
  const account = state.users.get(user)
  if (account === undefined || account.counted.has(id)) return
  account.counted.add(id)
  account.unread += 1
}

const offerToAll = (
  state: PushState,
  targets: readonly RegistrationRecord[],
  id: string,
  facts: StanzaFacts,
  decisions: PushDecision[],
): void => {
  const [first] = targets
  if (first === undefined) return
  countUnread(state, first.user, id, facts)
  for (const record of targets) offerStanza(state, record, id, facts, decisions)
}

const isHeldBack = (
  state: PushState,
  session: SessionRecord,
  queued: QueuedStanza,
  facts: StanzaFacts,
) =>
  queued.heldBack ??
  (state.settings.inactiveClientHoldsUnimportant &&
    session.clientState === "inactive" &&
    !facts.important)

/** Rules 1, 2 and 5: a stanza queued for `session` while it sleeps or does not ack. */
export const stanzaQueuedForSession = (
  state: PushState,
  session: SessionRecord,
  queued: QueuedStanza,
  decisions: PushDecision[],
): void => {
  if (session.status === "active" || session.registration === undefined) return
  const record = state.registrations.get(session.registration)
  if (record === undefined) return
  const facts = classifyStanza(queued.stanza)
  if (isHeldBack(state, session, queued, facts)) return
  offerToAll(state, [record], queued.id, facts, decisions)
}

const isBoundToLiveSession = (state: PushState, record: RegistrationRecord): boolean =>
  record.session !== undefined && state.sessions.has(record.session)

const registrationsOfUser = (state: PushState, user: string): RegistrationRecord[] =>
  (state.users.get(user)?.registrations ?? []).flatMap((key) => state.registrations.get(key) ?? [])

/** Rule 3: a message archived for `user` goes to registrations not bound to a live session. */
export const messageArchived = (
  state: PushState,
  user: string,
  id: string,
  stanza: QueuedStanza["stanza"],
  decisions: PushDecision[],
): void => {
  const account = bareJid(user)
  const targets = registrationsOfUser(state, account).filter(
    (record) => !isBoundToLiveSession(state, record),
  )
  if (targets.length > 0) offerToAll(state, targets, id, classifyStanza(stanza), decisions)
}

/** Rule 4: a message stored offline for `user` goes to all of the user's registrations. */
export const messageStoredOffline = (
  state: PushState,
  user: string,
  id: string,
  stanza: QueuedStanza["stanza"],
  decisions: PushDecision[],
): void => {
  const targets = registrationsOfUser(state, bareJid(user))
  if (targets.length > 0) offerToAll(state, targets, id, classifyStanza(stanza), decisions)
}
