// A session held by another cluster node, as routing on this node sees it (spec/cluster.md
// guarantee 1): it answers the `Session` view from the owner's directory entry, and its writes
// travel to the owner over NATS (src/cluster/RemoteDelivery.ts), which reports the outcome
// through the modules' `stanzaWritten` hooks as a local socket write does.

import type { Session, SessionCloseReason } from "../session/Session.js"
import { parseElement } from "../xml/parseXml.js"
import { serialize, type XmlElement } from "../xml/Xml.js"
import type { SessionEntry } from "./SessionEntry.js"

/** What a remote session needs from the cluster node. */
export interface RemoteWrites {
  /** Writes `stanza` (already serialised as `text`) to `session` on its node. */
  deliver(session: RemoteSession, stanza: XmlElement, text: string): void
  /** Asks the owner to end the session. */
  close(session: RemoteSession, reason: SessionCloseReason, condition?: string, text?: string): void
}

const emptyDirected: Set<string> = new Set()

/** Another node's session. */
export class RemoteSession implements Session {
  readonly id: string
  readonly username: string
  readonly bare: string
  readonly resource: string
  readonly full: string
  readonly remoteAddress = ""
  readonly transportName = "cluster"
  readonly secure = true
  streamManaged = false
  priority = 0
  available = false
  presence: XmlElement | undefined = undefined
  rosterRequested = false
  hibernated = false
  clientInactive = false
  flags: ReadonlySet<string> = new Set()
  boundAt = 0
  closed = false

  constructor(
    /** The node that holds the session. */
    readonly node: string,
    entry: SessionEntry,
    private readonly writes: RemoteWrites,
  ) {
    const slash = entry.full.indexOf("/")
    this.full = entry.full
    this.bare = entry.full.slice(0, slash)
    this.resource = entry.full.slice(slash + 1)
    this.username = this.bare.slice(0, this.bare.indexOf("@"))
    this.id = entry.stream
    this.update(entry)
  }

  /** Takes the owner's newer entry. */
  update(entry: SessionEntry): void {
    this.priority = entry.priority
    this.available = entry.available
    this.presence = entry.presence === "" ? undefined : parseElement(entry.presence)
    this.rosterRequested = entry.rosterRequested
    this.hibernated = entry.hibernated
    this.streamManaged = entry.streamManaged
    this.clientInactive = entry.inactive
    this.flags = new Set(entry.flags)
    this.boundAt = entry.boundAt
  }

  /** Directed presence is the sending session's state, kept on its own node. */
  get directedPresence(): Set<string> {
    return emptyDirected
  }

  unacked(): ReadonlyArray<XmlElement> {
    return []
  }

  queuedDurably(): Promise<void> {
    return Promise.resolve()
  }

  rescheduleHibernationEnd(): boolean {
    return false
  }

  whenWritable(): Promise<void> {
    return Promise.resolve()
  }

  send(stanza: XmlElement): boolean {
    return this.sendSerialized(stanza, serialize(stanza))
  }

  sendSerialized(stanza: XmlElement, text: string): boolean {
    if (this.closed) return false
    this.writes.deliver(this, stanza, text)
    return true
  }

  close(reason: SessionCloseReason, condition?: string, text?: string): void {
    this.writes.close(this, reason, condition, text)
  }
}
