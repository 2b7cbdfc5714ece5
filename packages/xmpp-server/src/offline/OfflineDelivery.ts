// XEP-0160 §3: delivery of stored messages when the user sends initial presence with a
// non-negative priority, in the order they were stored, each once the connection's output
// buffer has room (backpressure). A message is removed only after its write to the socket
// succeeded (`stanzaWritten` ok); a failed write leaves it for the next
// login. A stream-managed session (XEP-0198) takes the stored row into its queue's durable
// copy in one transaction before the message is written (`takeStored`), and from then on stream
// management answers for it: a row goes to one session only, also across cluster nodes (found
// by the cluster soak: two nodes' sessions both sent rows whose removal was still under way,
// and a node killed before that removal left rows its client had acknowledged). Modules may
// veto each message first (`offlineDelivery` hooks, e.g. AMP expire-at). Reads and removals
// go to the offline repository (awaited); a failed one is logged and the message stays stored.
import type { Logger } from "../log/Logger.js"
import type { OfflineMessage, OfflineVerdict } from "../routing/MessageStores.js"
import type { Session } from "../session/Session.js"
import type { StoredOfflineMessage } from "../storage/repositories/OfflineRepository.js"
import { failed } from "../storage/repositories/Outcome.js"
import { parseElement } from "../xml/parseXml.js"
import type { XmlElement } from "../xml/Xml.js"
import type { OfflineTable } from "./OfflineTable.js"

/** Stored messages read from the table at a time (a backlog is not read into memory whole). */
const rowsPerRead = 20

/** Delivers stored messages and removes them once written. */
export class OfflineDelivery {
  /** Keys being written now (not offered to a second session meanwhile). */
  private readonly sending = new Set<string>()
  /** Written stanzas waiting for their write outcome, with their storage key. */
  private readonly written = new WeakMap<XmlElement, string>()
  /** Keys being written, per session (released if the session ends before the outcome). */
  private readonly bySession = new Map<Session, Set<string>>()

  constructor(
    private readonly table: OfflineTable,
    private readonly verdict: (message: OfflineMessage) => Promise<OfflineVerdict>,
    private readonly logger: Logger,
  ) {}

  /**
   * Sends `session` its account's stored messages, oldest first, as fast as the client reads
   * them: each waits until the connection's output buffer is below the low-water mark, so a
   * backlog of any size (a mailbox bomb) never trips the output cap of a client that reads.
   */
  async flush(session: Session): Promise<void> {
    // Messages still on their way to storage (a replaced session's reroute) come first.
    await this.table.settledFor?.(session.username)
    let after: string | undefined
    for (;;) {
      const rows = await this.table.list(session.username, {
        ...(after === undefined ? {} : { after }),
        limit: rowsPerRead,
      })
      if (failed(rows))
        return void this.logger.error("offline-read-failed", {
          session: session.full,
          error: rows,
        })
      if (rows.length === 0) return
      for (const row of rows) {
        after = row.key
        await session.whenWritable()
        if (session.closed) return
        if (!(await this.deliver(session, row))) return
      }
    }
  }

  /** Delivers one stored message; false when the session ended meanwhile (or reads failed). */
  private async deliver(session: Session, row: StoredOfflineMessage): Promise<boolean> {
    const { key } = row
    // Read before the wait: another session of the account may have taken it meanwhile.
    if (this.sending.has(key)) return true
    const stored = await this.table.has(key)
    if (failed(stored)) {
      this.logger.error("offline-read-failed", { session: session.full, error: stored })
      return false
    }
    if (!stored || this.sending.has(key)) return true
    const stanza = parseElement(row.stanza)
    if (stanza === undefined) {
      this.logger.error("offline-message-unreadable", { key, username: row.username })
      void this.removeStored(key, row.username)
      return true
    }
    this.sending.add(key)
    const message: OfflineMessage = {
      key,
      owner: row.username,
      stanza,
      extra: row.extra ?? undefined,
      storedAt: row.storedAt,
      messageKey: row.messageKey ?? undefined,
    }
    if ((await this.verdict(message)) === "discard") {
      void this.removeStored(key, row.username)
      return true
    }
    if (session.closed) {
      this.sending.delete(key)
      return false
    }
    // XEP-0198: the session's queue takes the stored row (its durable copy replaces it in one
    // transaction) before the message is written; only the session whose take deleted the row
    // sends it (src/sm/StoredOrigin.ts).
    const taken = (await session.takeStored?.(stanza, key)) ?? "not-queued"
    if (taken !== "not-queued") {
      this.sending.delete(key)
      if (taken === "gone") return !session.closed
      session.send(stanza)
      return true
    }
    this.written.set(stanza, key)
    const keys = this.bySession.get(session) ?? new Set<string>()
    keys.add(key)
    this.bySession.set(session, keys)
    const sent = session.send(stanza)
    // Queued by stream management: written now, or held while the session is hibernated, or
    // queued just before its write failed or the queue overflowed (`send` false then).
    if (session.streamManaged && (sent || session.unacked().includes(stanza)))
      this.handedOver(session, stanza, key)
    return true
  }

  /**
   * XEP-0198 §5 without a durable copy taken first (no `sm_pending` store): a stream-managed
   * session's queue now holds the message; it is re-sent when the session resumes, and rerouted (stored offline
   * again) if the session ends before the client acknowledged it. The stored copy goes now,
   * whatever a socket write reports or fails to report: waiting for a write that never came
   * (the session hibernated during the delivery, then ended) or failed (the connection broke,
   * then the session resumed) kept it, and the message was delivered again (found by the soak
   * test: a session ended unresumed left every such message twice in offline storage).
   *
   * The row is deleted once the `sm_pending` batch this send started committed (on either
   * backend: `queuedDurably` waits for that commit's outcome): a crash in between leaves both
   * copies (a message delivered twice) rather than neither (one lost). Until it is deleted, a
   * login of the same user reads no offline messages (`settledFor`).
   */
  private handedOver(session: Session, stanza: XmlElement, key: string): void {
    this.written.delete(stanza)
    this.bySession.get(session)?.delete(key)
    // Not offered to another session meanwhile (a failed write's outcome may have released it).
    this.sending.add(key)
    const removal = session
      .queuedDurably(stanza)
      .then(() => this.removeStored(key, session.username))
    this.table.incoming?.(session.username, removal)
  }

  /**
   * Removes a stored message; `key` stays in `sending` (not offered to another session) until
   * the removal has its outcome, which `settledFor(username)` waits for too. A failed removal
   * is logged: the message stays stored and is delivered again at the next login rather than
   * lost.
   */
  private removeStored(key: string, username: string): Promise<void> {
    this.sending.add(key)
    const removal = this.table.remove(key).then((removed) => {
      this.sending.delete(key)
      if (failed(removed)) this.logger.error("offline-remove-failed", { key, error: removed })
    })
    this.table.incoming?.(username, removal)
    return removal
  }

  /** The write outcome of a stanza: removes a delivered stored message. */
  readonly stanzaWritten = (session: Session, stanza: XmlElement, ok: boolean): void => {
    const key = this.written.get(stanza)
    if (key === undefined) return
    this.written.delete(stanza)
    this.bySession.get(session)?.delete(key)
    if (ok) void this.removeStored(key, session.username)
    else this.sending.delete(key)
  }

  /**
   * A session ended: messages whose write outcome it never reported stay stored and may be
   * offered to the next session (a late successful outcome still removes them).
   */
  readonly sessionClosed = (session: Session): void => {
    for (const key of this.bySession.get(session) ?? []) this.sending.delete(key)
    this.bySession.delete(session)
  }
}
