// The state the push rules keep: registrations (XEP-0357 §5), sessions as the host reports them
// (XEP-0198 hibernation and ack delay, XEP-0352 client state), per-user unread counters, and the
// coalescing windows and in-flight pushes that bound the work a failing app server can cause.
import type { DataForm } from "./DataForm.js"
import { type BareJid, bareJid, normalizeJid } from "./Jid.js"
import { type PushSettings, resolvePushSettings } from "./PushSettings.js"
import { RecentIds } from "./RecentIds.js"
import type { StanzaFacts } from "./StanzaImportance.js"

/** The host's identity for a session (a full JID or a stream id). */
export type SessionId = string

/** Where a session stands, as far as push goes; a gone session is simply forgotten. */
export type SessionStatus = "active" | "ack-delayed" | "hibernated"

/** XEP-0352 client state. */
export type ClientState = "active" | "inactive"

/** A registration as it is stored durably: everything needed to restore it after a restart. */
export interface StoredRegistration {
  /** Bare JID of the account. */
  readonly user: BareJid
  /** App server JID. */
  readonly service: string
  /** Node on the app server. */
  readonly node: string
  /** The publish-options form to echo, if one was given at enable. */
  readonly publishOptions?: DataForm
  /** When the registration was last used (enabled, or its device came back), in ms. */
  readonly lastUsed: number
  /** App server errors in a row. */
  readonly errorCount: number
}

/** A registration as the rules see it now: the stored part plus the session it is bound to. */
export interface Registration extends StoredRegistration {
  /** The live session this registration is bound to, if any. */
  readonly session?: SessionId
}

/** A session as the rules see it. */
export interface Session {
  /** The host's identity for the session. */
  readonly id: SessionId
  /** Bare JID of the account. */
  readonly user: BareJid
  /** Live status. */
  readonly status: SessionStatus
  /** CSI state. */
  readonly clientState: ClientState
  /** The registration bound to this session, if any. */
  readonly registration?: string
}

/** Stanzas folded into one push still to send, and the latest of them. */
export interface PendingPush {
  /** How many stanzas the push stands for. */
  count: number
  /** The facts of the latest of them (sender and body of the summary). */
  latest: StanzaFacts
  /** The host's id of the latest of them. */
  latestId: string
}

/** The rules' own record of a registration; owned by the reducer. */
export interface RegistrationRecord {
  readonly key: string
  readonly user: BareJid
  readonly service: string
  readonly node: string
  publishOptions: DataForm | undefined
  session: SessionId | undefined
  /** Bound to a live session on another node of a cluster (it pushes for that session). */
  boundElsewhere: boolean
  errorCount: number
  lastUsed: number
  /** Stanzas already pushed or folded for this registration. */
  readonly recent: RecentIds
  /** End of the open coalescing window, or undefined when none is open. */
  windowEnd: number | undefined
  sentImportant: boolean
  sentUnimportant: boolean
  pendingImportant: PendingPush | undefined
  pendingUnimportant: PendingPush | undefined
  inFlight: number
}

/** The rules' own record of a session; owned by the reducer. */
export interface SessionRecord {
  readonly id: SessionId
  readonly user: BareJid
  status: SessionStatus
  clientState: ClientState
  registration: string | undefined
}

/** The rules' own record of an account; owned by the reducer. */
export interface UserRecord {
  /** Registration keys, at most `maxDevices`. */
  readonly registrations: string[]
  /** Live sessions of the account. */
  sessions: number
  /** Unread important messages since the last active session. */
  unread: number
  /** Messages already counted. */
  readonly counted: RecentIds
}

/**
 * Everything the rules remember. Owned: `reducePush` updates it in place and hands it back, so
 * keep only the latest one and read it through the query functions, never by hand.
 */
export interface PushState {
  readonly settings: PushSettings
  /** The latest time seen; time never goes back for the rules. */
  now: number
  /** Counter behind the `push-N` ids of publish IQs. */
  pushesSent: number
  readonly users: Map<BareJid, UserRecord>
  readonly registrations: Map<string, RegistrationRecord>
  readonly sessions: Map<SessionId, SessionRecord>
  /** Open coalescing windows by end time; ends are in insertion order since time only grows. */
  readonly windowEnds: Map<string, number>
  /** Unanswered pushes by id, oldest first. */
  readonly inFlight: Map<string, { readonly registration: string; readonly sentAt: number }>
  /** Registrations with a due push that waits for a free global in-flight slot, oldest first. */
  readonly waiting: Set<string>
}

/** The key of registration `(user, service, node)`. */
export const registrationKey = (user: BareJid, service: string, node: string): string =>
  `${user}\u0000${service}\u0000${node}`

/** The record of `user`, created empty on first use. */
export const userRecord = (state: PushState, user: BareJid): UserRecord => {
  const existing = state.users.get(user)
  if (existing !== undefined) return existing
  const created: UserRecord = {
    registrations: [],
    sessions: 0,
    unread: 0,
    counted: new RecentIds(state.settings.rememberedStanzas),
  }
  state.users.set(user, created)
  return created
}

/** Forgets `user` once it has neither a registration nor a live session (bounded memory). */
export const forgetUserIfIdle = (state: PushState, user: BareJid): void => {
  const account = state.users.get(user)
  if (account !== undefined && account.sessions === 0 && account.registrations.length === 0) {
    state.users.delete(user)
  }
}

/** A fresh registration record (unbound, no window, nothing in flight). */
export const newRegistrationRecord = (
  state: PushState,
  stored: StoredRegistration,
): RegistrationRecord => {
  const user = bareJid(stored.user)
  const service = normalizeJid(stored.service)
  return {
    key: registrationKey(user, service, stored.node),
    user,
    service,
    node: stored.node,
    publishOptions: stored.publishOptions,
    session: undefined,
    boundElsewhere: false,
    errorCount: stored.errorCount,
    lastUsed: stored.lastUsed,
    recent: new RecentIds(state.settings.rememberedStanzas),
    windowEnd: undefined,
    sentImportant: false,
    sentUnimportant: false,
    pendingImportant: undefined,
    pendingUnimportant: undefined,
    inFlight: 0,
  }
}

/** The durable part of a registration record. */
export const storedRegistrationOf = (record: RegistrationRecord): StoredRegistration => ({
  user: record.user,
  service: record.service,
  node: record.node,
  ...(record.publishOptions === undefined ? {} : { publishOptions: record.publishOptions }),
  lastUsed: record.lastUsed,
  errorCount: record.errorCount,
})

/**
 * Empty rules state with `settings`, restoring the durably stored `registrations` (unbound; a
 * user with more than `maxDevices` of them is trimmed at their next enable).
 */
export const createPushState = (
  settings: Partial<PushSettings> = {},
  registrations: readonly StoredRegistration[] = [],
): PushState => {
  const state: PushState = {
    settings: resolvePushSettings(settings),
    now: Number.NEGATIVE_INFINITY,
    pushesSent: 0,
    users: new Map(),
    registrations: new Map(),
    sessions: new Map(),
    windowEnds: new Map(),
    inFlight: new Map(),
    waiting: new Set(),
  }
  for (const stored of registrations) {
    const record = newRegistrationRecord(state, stored)
    if (state.registrations.has(record.key)) continue
    state.registrations.set(record.key, record)
    userRecord(state, record.user).registrations.push(record.key)
  }
  return state
}
