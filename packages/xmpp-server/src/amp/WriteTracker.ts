// Delivery confirmation for AMP `deliver=direct` (XEP-0079 §3.2.1, spec/amp.md §4): a message
// written to several sessions counts as delivered once one session confirmed it — the socket
// write (`stanzaWritten` ok) or, with `direct_confirm = "ack"` on a stream-managed session, the
// XEP-0198 ack — and as failed when every session failed.
import type { DeliveryListener } from "@xmpp-amp/server-plugin"
import { claimConfirmation } from "../cluster/Confirmations.js"
import type { Session } from "../session/Session.js"
import type { XmlElement } from "../xml/Xml.js"

interface Tracked {
  readonly waitForAck: (session: Session) => boolean
  /** The sessions not yet settled: the one session itself (usually), else an array. */
  readonly open: Session | Array<Session>
  readonly listener: DeliveryListener
}

/** Correlates write and ack events with the messages AMP is waiting for, by stanza identity. */
export class WriteTracker {
  private readonly tracked = new Map<XmlElement, Tracked>()

  /** `clustered`: this server is a cluster node (some sessions are on other nodes). */
  constructor(private readonly clustered = false) {}

  /**
   * Writes `stanza` to `sessions` with `write` and tells `listener` true at the first
   * confirmation, false when all failed (possibly before returning, when every write failed at
   * once). `waitForAck` says which sessions confirm with an ack. No promise per message: the
   * listener is the plugin's own object for the message.
   */
  deliver(
    stanza: XmlElement,
    sessions: ReadonlyArray<Session>,
    write: (session: Session, stanza: XmlElement) => boolean,
    waitForAck: (session: Session) => boolean,
    listener: DeliveryListener,
  ): void {
    if (sessions.length === 0) {
      listener.confirmed(false)
      return
    }
    const open = sessions.length === 1 ? (sessions[0] as Session) : sessions.slice()
    const entry: Tracked = { waitForAck, open, listener }
    this.tracked.set(stanza, entry)
    // A session on another cluster node: its failed write is AMP's to decide, not the cluster's.
    if (this.clustered) claimConfirmation(stanza, waitForAck)
    for (const session of sessions) if (!write(session, stanza)) this.settle(stanza, session, false)
  }

  /** The `stanzaWritten` hook. */
  written(session: Session, stanza: XmlElement, ok: boolean): void {
    const entry = this.tracked.get(stanza)
    if (entry === undefined || (ok && entry.waitForAck(session))) return
    this.settle(stanza, session, ok)
  }

  /** The `acked` hook (XEP-0198). */
  acked(session: Session, stanza: XmlElement): void {
    if (this.tracked.has(stanza)) this.settle(stanza, session, true)
  }

  /** The `gone` hook: unacked stanzas of a session that ended count as failed there. */
  gone(session: Session, unacked: ReadonlyArray<XmlElement>): void {
    for (const stanza of unacked) if (this.tracked.has(stanza)) this.settle(stanza, session, false)
  }

  /** Fails every message still waiting (server stop). */
  failAll(): void {
    const entries = [...this.tracked.values()]
    this.tracked.clear()
    for (const entry of entries) entry.listener.confirmed(false)
  }

  private settle(stanza: XmlElement, session: Session, ok: boolean): void {
    const entry = this.tracked.get(stanza)
    if (entry === undefined) return
    const open = entry.open
    if (!Array.isArray(open)) {
      if (open !== session) return
      this.tracked.delete(stanza)
      entry.listener.confirmed(ok)
      return
    }
    const index = open.indexOf(session)
    if (index === -1) return
    open.splice(index, 1)
    if (ok || open.length === 0) {
      this.tracked.delete(stanza)
      entry.listener.confirmed(ok)
    }
  }
}
