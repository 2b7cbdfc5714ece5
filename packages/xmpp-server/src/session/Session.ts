// A bound client session (RFC 6120 §7): an authenticated stream with a resource. This is the
// view routing, presence and modules get; ClientConnection implements it.
import type { XmlElement } from "../xml/Xml.js"

/** Why a session ended ("revoked": the administrator deleted the account or logged it out). */
export type SessionCloseReason =
  | "closed"
  | "revoked"
  | "replaced"
  | "stream-error"
  | "write-failed"
  | "shutdown"

/** One online resource of a local account. */
export interface Session {
  /** The stream id. */
  readonly id: string
  /** The account's localpart. */
  readonly username: string
  /** `user@domain`. */
  readonly bare: string
  readonly resource: string
  /** `user@domain/resource`. */
  readonly full: string
  readonly remoteAddress: string
  /** "tcp" or "websocket". */
  readonly transportName: string
  readonly secure: boolean
  /** RFC 6121 §4.7.2.3 priority of the last available presence (0 before any). */
  priority: number
  /** True after initial presence and until unavailable presence. */
  available: boolean
  /** The last available presence broadcast by the session (with `from` set). */
  presence: XmlElement | undefined
  /** RFC 6121 §2.1.6: the session asked for the roster, so it gets roster pushes. */
  rosterRequested: boolean
  /** Full or bare JIDs that got directed presence from this session (RFC 6121 §4.6). */
  readonly directedPresence: Set<string>
  /** True once the session is gone; writes then fail. */
  readonly closed: boolean
  /**
   * True once the client enabled XEP-0198 stream management: the stanzas written to it are
   * confirmed by its acks (module hook `acked`), and a dropped connection may hibernate.
   */
  readonly streamManaged: boolean
  /** True while the session waits to be resumed (XEP-0198 §5): no connection, stanzas queue. */
  readonly hibernated: boolean
  /** True while the client said `<inactive/>` (XEP-0352) and has not said `<active/>` since. */
  readonly clientInactive: boolean
  /** The stanzas written to (or queued for) the client and not acknowledged yet, oldest first. */
  unacked(): ReadonlyArray<XmlElement>
  /**
   * XEP-0198 crash safety: resolves once the durable copy (`sm_pending`) of a stanza this
   * session queued has its commit outcome; at once when it has none (not queued, or
   * acknowledged already). Offline delivery removes a stored message only after that.
   */
  queuedDurably(stanza: XmlElement): Promise<void>
  /**
   * XEP-0198 crash safety for XEP-0160: takes stored offline message `key` for this session's
   * queue before it is sent (src/sm/StoredOrigin.ts). "taken": send `stanza` now (its durable
   * copy is written); "gone": another session took it first; "not-queued": this session keeps
   * no durable copies (no stream management): send it and remove the row after the write.
   */
  takeStored?(stanza: XmlElement, key: string): Promise<"taken" | "gone" | "not-queued">
  /**
   * Ends a hibernated session `delayMs` from now instead of when it was due (the push module
   * stretches it while the session has push); false when the session is not hibernated.
   */
  rescheduleHibernationEnd(delayMs: number): boolean
  /**
   * Serialises and writes a stanza to the client. Modules' `stanzaWritten` hooks learn the
   * outcome. Returns false when the session is already closed.
   */
  send(stanza: XmlElement): boolean
  /**
   * Resolves when the connection can take more output: its buffer holds less than
   * `outputLowWaterMark` bytes (src/stream/Transport.ts). At once when the session is closed or
   * hibernated (stanzas then fail or queue as usual). Bulk senders (offline backlog, MAM
   * pages) wait for it before each stanza so that a client that reads gets any amount.
   */
  whenWritable(): Promise<void>
  /** Writes a stanza already serialised as `text` (one serialisation for many sessions). */
  sendSerialized(stanza: XmlElement, text: string): boolean
  /** Ends the session with a stream error (or a clean close when no condition is given). */
  close(reason: SessionCloseReason, condition?: string, text?: string): void
}
