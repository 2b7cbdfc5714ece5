// What the push module reads from and changes in a client session beyond the module API:
// the XEP-0198 queue of unacknowledged stanzas at hibernation, the XEP-0352 client state, and
// the hibernation (resumption) timeout, stretched while the session has push (project push spec)
// and given back when push goes away. The module API has no call for these yet, so this file is
// the one place that knows the shape of `ClientConnection`; the push tests cover every use.
import type { Session } from "../session/Session.js"
import type { XmlElement } from "../xml/Xml.js"

const MAX_TIMER_MS = 2 ** 31 - 1

type Queue = ReadonlyArray<{ readonly stanza: XmlElement }>

/** The parts of `ClientConnection` the push module relies on. */
interface ConnectionInternals {
  /** XEP-0198 state: the queue directly, or (since SmControl) in `stream`. */
  readonly sm?: { readonly queue?: unknown; readonly stream?: { readonly queue?: unknown } }
  readonly csi?: { readonly inactive: boolean }
  readonly stage?: string
  hibernation?: NodeJS.Timeout
  endHibernation?: () => void
}

const internals = (session: Session): ConnectionInternals =>
  session as unknown as ConnectionInternals

/** The stanzas written to (or queued for) `session` and not acknowledged yet, oldest first. */
export const unackedStanzas = (session: Session): ReadonlyArray<XmlElement> => {
  const sm = internals(session).sm
  const queue = Array.isArray(sm?.stream?.queue) ? sm.stream.queue : sm?.queue
  return Array.isArray(queue) ? (queue as Queue).map((entry) => entry.stanza) : []
}

/** The client's XEP-0352 state: inactive once it sent `<inactive/>`, until `<active/>`. */
export const clientIsInactive = (session: Session): boolean =>
  internals(session).csi?.inactive === true

/** True while the session waits to be resumed (XEP-0198 §5). */
export const isHibernated = (session: Session): boolean => internals(session).stage === "hibernated"

/**
 * Ends `session`'s hibernation `delayMs` from now instead of when it was due; false when the
 * session is not hibernated (or not a client connection).
 */
export const rescheduleHibernationEnd = (session: Session, delayMs: number): boolean => {
  const connection = internals(session)
  const end = connection.endHibernation
  if (!isHibernated(session) || end === undefined) return false
  clearTimeout(connection.hibernation)
  const timer = setTimeout(() => end.call(connection), Math.min(MAX_TIMER_MS, Math.max(0, delayMs)))
  timer.unref()
  connection.hibernation = timer
  return true
}
