// Project push spec rules 1–6 (after Prosody mod_cloud_notify's business rules): which
// registrations a stanza is offered to. Queued to a hibernated or ack-delayed session: that
// session's registration only, unless CSI held it back. Archived (XEP-0313): registrations not
// bound to a live session (here or, in a cluster, on another node). Stored offline: all of the
// user's registrations.
import type { Element } from "@xmpp/xml"
import { offerStanza } from "./Coalescing.js"
import { bareJid } from "./Jid.js"
import type { PushDecision } from "./PushDecision.js"
import type { QueuedStanza } from "./PushEvent.js"
import type { PushState, RegistrationRecord, SessionRecord, UserRecord } from "./PushState.js"
import { hashId } from "./RecentIds.js"
import { classifyStanza, type StanzaFacts } from "./StanzaImportance.js"

/** Counts an important message once for its user's `message-count`. */
const countUnread = (account: UserRecord, id: string, hash: number, facts: StanzaFacts): void => {
  if (!facts.important || account.counted.has(id, hash)) return
  account.counted.add(id, hash)
  account.unread += 1
}

const isHeldBack = (
  state: PushState,
  session: SessionRecord,
  queued: QueuedStanza,
  facts: StanzaFacts,
): boolean =>
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
  const account = state.users.get(session.user)
  if (record === undefined || account === undefined) return
  const facts = classifyStanza(queued.stanza)
  if (isHeldBack(state, session, queued, facts)) return
  const hash = hashId(queued.id)
  countUnread(account, queued.id, hash, facts)
  offerStanza(state, record, queued.id, facts, decisions, hash)
}

const isBoundToLiveSession = (state: PushState, record: RegistrationRecord): boolean =>
  record.boundElsewhere || (record.session !== undefined && state.sessions.has(record.session))

/** Offers a stored message to the user's registrations that `include` selects (rules 3, 4). */
const offerStoredMessage = (
  state: PushState,
  user: string,
  id: string,
  stanza: Element,
  include: (record: RegistrationRecord) => boolean,
  decisions: PushDecision[],
): void => {
  const account = state.users.get(bareJid(user))
  if (account === undefined) return
  let facts: StanzaFacts | undefined
  const hash = hashId(id)
  for (const key of account.registrations) {
    const record = state.registrations.get(key)
    if (record === undefined || !include(record)) continue
    if (facts === undefined) {
      facts = classifyStanza(stanza)
      countUnread(account, id, hash, facts)
    }
    offerStanza(state, record, id, facts, decisions, hash)
  }
}

/** Rule 3: a message archived for `user` goes to registrations not bound to a live session. */
export const messageArchived = (
  state: PushState,
  user: string,
  id: string,
  stanza: Element,
  decisions: PushDecision[],
): void =>
  offerStoredMessage(
    state,
    user,
    id,
    stanza,
    (record) => !isBoundToLiveSession(state, record),
    decisions,
  )

/** Rule 4: a message stored offline for `user` goes to all of the user's registrations. */
export const messageStoredOffline = (
  state: PushState,
  user: string,
  id: string,
  stanza: Element,
  decisions: PushDecision[],
): void => offerStoredMessage(state, user, id, stanza, () => true, decisions)
