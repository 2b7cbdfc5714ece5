// The soak test's bookkeeping: every message sent (unique id, its recipient), which ones the
// server acknowledged to their sender (XEP-0198 `<a h/>` or `<resumed h/>`), and every copy a
// recipient received, with the stream-managed session it arrived on and its position there
// (the recipient's inbound `h`). `verdict` says what was lost and which duplicates XEP-0198
// allows.

/** One XEP-0198 stream of a recipient (it lives on across resumptions). */
export interface SmSessionRecord {
  readonly user: string
  readonly serial: number
  /**
   * The highest `h` the server certainly processed: the `h` of `<resume/>` once `<resumed/>`
   * came, or of an `<a/>` once the server asked again with `<r/>` (it asks again only after it
   * processed an answer; the soak sets `ack_timeout` far beyond its length).
   */
  confirmedAck: number
  /** The session ended without being resumed (a new session, a logout, a server restart). */
  endedUnresumed: boolean
}

interface Copy {
  readonly recipient: string
  readonly session: SmSessionRecord
  /** Its position among the stanzas the recipient counted on that session (1-based `h`). */
  readonly index: number
}

/** What the run proved. */
export interface Verdict {
  readonly sent: number
  readonly acked: number
  readonly ackedDelivered: number
  /** Acknowledged to the sender, never received by the recipient. */
  readonly lost: ReadonlyArray<string>
  readonly unackedDelivered: number
  readonly unackedLost: number
  /** Extra copies XEP-0198 allows (see `allowedAgain`). */
  readonly allowedDuplicates: number
  /** Extra copies it does not allow, or copies at the wrong recipient. */
  readonly badDuplicates: ReadonlyArray<string>
  readonly misrouted: ReadonlyArray<string>
}

/**
 * XEP-0198 §5: a session that ends without being resumed leaves the server with the stanzas
 * the client never acknowledged, and the server "SHOULD treat unacknowledged stanzas ... as
 * if they had not been delivered" (here: rerouted to the account's other resources or to
 * offline storage, XEP-0160). The server cannot know whether the client saw a stanza it did
 * not acknowledge, so that stanza may come again on a later session: an allowed duplicate.
 * Not allowed: a second copy on the same session (resumption re-sends only what is after the
 * client's `h`), or a second copy of a stanza the server had certainly seen acknowledged.
 */
const allowedAgain = (earlier: Copy, later: Copy): boolean =>
  earlier.session !== later.session &&
  earlier.session.endedUnresumed &&
  earlier.index > earlier.session.confirmedAck

/** The record of a soak run. */
export class SoakLedger {
  private readonly recipients = new Map<string, string>()
  /** Acknowledged ids and by what: `<a/>` or `<resumed/>`. */
  private readonly ackedIds = new Map<string, "a" | "resumed">()
  private readonly copies = new Map<string, Array<Copy>>()
  private sessions = 0
  /** Copies received so far (to wait for quiet). */
  received = 0

  /** A new stream-managed session of `user`. */
  newSession(user: string): SmSessionRecord {
    this.sessions += 1
    return { user, serial: this.sessions, confirmedAck: 0, endedUnresumed: false }
  }

  sent(id: string, recipient: string): void {
    this.recipients.set(id, recipient)
  }

  acknowledged(id: string, by: "a" | "resumed"): void {
    this.ackedIds.set(id, by)
  }

  /** A recipient counted a message as its `index`-th stanza on `session`. */
  receivedCopy(id: string, recipient: string, session: SmSessionRecord, index: number): void {
    this.received += 1
    const list = this.copies.get(id) ?? []
    list.push({ recipient, session, index })
    this.copies.set(id, list)
  }

  /** True once every acknowledged message reached its recipient at least once. */
  allAckedDelivered(): boolean {
    for (const id of this.ackedIds.keys()) if (!this.copies.has(id)) return false
    return true
  }

  get ackedCount(): number {
    return this.ackedIds.size
  }

  verdict(): Verdict {
    const lost: Array<string> = []
    const badDuplicates: Array<string> = []
    const misrouted: Array<string> = []
    let ackedDelivered = 0
    let unackedDelivered = 0
    let unackedLost = 0
    let allowedDuplicates = 0
    for (const [id, recipient] of this.recipients) {
      const copies = this.copies.get(id) ?? []
      if (this.ackedIds.has(id)) {
        if (copies.length === 0) lost.push(`${id} to ${recipient} (by <${this.ackedIds.get(id)}/>)`)
        else ackedDelivered += 1
      } else if (copies.length === 0) unackedLost += 1
      else unackedDelivered += 1
      for (const copy of copies)
        if (copy.recipient !== recipient) misrouted.push(`${id} reached ${copy.recipient}`)
      for (let later = 1; later < copies.length; later++) {
        const earlier = copies[later - 1] as Copy
        const copy = copies[later] as Copy
        if (allowedAgain(earlier, copy)) allowedDuplicates += 1
        else
          badDuplicates.push(
            `${id} to ${copy.recipient}: #${earlier.index} on session ${earlier.session.serial} (confirmed ${earlier.session.confirmedAck}, ended ${earlier.session.endedUnresumed}) then #${copy.index} on session ${copy.session.serial}`,
          )
      }
    }
    return {
      sent: this.recipients.size,
      acked: this.ackedIds.size,
      ackedDelivered,
      lost,
      unackedDelivered,
      unackedLost,
      allowedDuplicates,
      badDuplicates,
      misrouted,
    }
  }
}
