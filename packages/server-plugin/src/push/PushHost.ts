// The push host interface: everything the push module (XEP-0357 §5–§7, project push spec) asks
// of the XMPP server that mounts it. Plain async functions, like the AMP host (`Host.ts`); what
// the server tells the module (session life, storage, CSI) is the `PushPluginHandle` API.
import type { Element } from "@xmpp/xml"
import type {
  RegistrationChangeElsewhere,
  SessionId,
  StoredRegistration,
} from "@xmpp-amp/push-rules"

/** The durable table of push registrations (spec: registrations outlive restarts). */
export interface RegistrationStore {
  /** Every stored registration, read once at start. */
  readonly load: () => Promise<readonly StoredRegistration[]>
  /** Inserts or replaces the registration `(user, service, node)`; resolves once durable. */
  readonly save: (registration: StoredRegistration) => Promise<void>
  /** Deletes the registration `(user, service, node)` (no error when absent). */
  readonly remove: (registration: StoredRegistration) => Promise<void>
}

/** Everything the push module asks of its host server. */
export interface PushHost {
  /** The host's clock, epoch milliseconds. */
  readonly now: () => number
  /**
   * Routes the publish `<iq type='set'/>` (XEP-0357 §7) to its app server (`to`: a component, a
   * local JID or a remote domain) and resolves with the app server's `result` or `error` reply;
   * rejects when nothing answered within `timeoutMs` or the app server cannot be reached now.
   */
  readonly publish: (iq: Element, timeoutMs: number) => Promise<Element>
  /** The durable registration table. */
  readonly registrations: RegistrationStore
  /** Keeps hibernated session `session` resumable for `timeoutMs` from now (it has push). */
  readonly extendHibernation: (session: SessionId, timeoutMs: number) => void
  /** Gives hibernated session `session` its usual resumption timeout back (push went away). */
  readonly restoreHibernation: (session: SessionId) => void
  /**
   * A cluster node tells the others what it did with a registration (saved, removed, bound to or
   * unbound from one of its sessions); they report it as a `registration-changed-elsewhere`
   * event. Absent on a single server.
   */
  readonly shareRegistration?: (
    registration: StoredRegistration,
    change: RegistrationChangeElsewhere,
  ) => void
}

export type {
  DataForm,
  RegistrationChangeElsewhere,
  SessionId,
  StoredRegistration,
} from "@xmpp-amp/push-rules"
/** XEP-0357 namespace of `<enable/>` and `<disable/>` (the IQ handler's namespace). */
export { PUSH_NS } from "@xmpp-amp/push-rules"
