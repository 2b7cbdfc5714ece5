// XEP-0198 §4–§5 per-session state: the inbound counter `h` (stanzas the server handled) and
// the outbound queue of stanzas written but not yet acknowledged, numbered by the counter
// both sides keep (mod 2^32, §4). Pure bookkeeping; ClientConnection drives it.
import { randomBytes } from "node:crypto"
import type { XmlElement } from "../xml/Xml.js"

/** XEP-0198 namespace. */
export const NS_SM = "urn:xmpp:sm:3"

const modulo = 2 ** 32

/** An outbound stanza awaiting the client's acknowledgement. */
export interface Unacked {
  readonly stanza: XmlElement
  readonly text: string
  /** When it was first queued (epoch ms), for the delay stamp if it ends up offline. */
  readonly queuedAt: number
  /** Its `sm_pending` row until the client acknowledges it (crash safety). */
  pendingId?: string | undefined
  /** True once a write outcome was reported to `stanzaWritten` (a re-send reports nothing). */
  reported: boolean
}

/** Stream management of one session. */
export class SmStream {
  /** The resumption id (§5), unguessable; "" when resumption was not requested. */
  readonly id: string
  /** Stanzas received from the client and handled (sent as `h`). */
  inbound = 0
  /** Stanzas the client confirmed so far (its last `h`). */
  private acked = 0
  readonly queue: Array<Unacked> = []

  constructor(
    readonly resumable: boolean,
    /** A session handed over by another cluster node keeps its id (and counters). */
    continued?: { readonly id: string; readonly inbound: number; readonly acked: number },
    /** In a cluster, the node's name and "~": the id says which node holds the session. */
    idPrefix = "",
  ) {
    this.id =
      continued?.id ?? (resumable ? `${idPrefix}${randomBytes(18).toString("base64url")}` : "")
    if (continued !== undefined) {
      this.inbound = continued.inbound
      this.acked = continued.acked
    }
  }

  /** Counts one handled inbound stanza. */
  handled(): void {
    this.inbound = (this.inbound + 1) % modulo
  }

  /** Queues a stanza written (or to be written) to the client; returns its queue entry. */
  push(stanza: XmlElement, text: string): Unacked {
    const entry = { stanza, text, queuedAt: Date.now(), reported: false }
    this.queue.push(entry)
    return entry
  }

  /**
   * Applies the client's `h`: returns the stanzas it newly confirms, or "too-high" when `h`
   * acknowledges more than was sent (§4 `handled-count-too-high`).
   */
  acknowledge(h: number): ReadonlyArray<XmlElement> | "too-high" {
    const entries = this.acknowledgeEntries(h)
    return entries === "too-high" ? entries : entries.map((entry) => entry.stanza)
  }

  /** Like `acknowledge`, returning the queue entries (with their `sm_pending` row ids). */
  acknowledgeEntries(h: number): ReadonlyArray<Unacked> | "too-high" {
    const count = (h - this.acked + modulo) % modulo
    if (count > this.queue.length) return "too-high"
    this.acked = h
    return this.queue.splice(0, count)
  }

  /** Takes every unacknowledged stanza out of the queue. */
  drain(): Array<Unacked> {
    return this.queue.splice(0, this.queue.length)
  }
}

/** Parses an `h` attribute (unsigned 32-bit); undefined when malformed. */
export const parseH = (text: string | undefined): number | undefined => {
  if (text === undefined || !/^\d{1,10}$/.test(text)) return undefined
  const value = Number(text)
  return value < modulo ? value : undefined
}
