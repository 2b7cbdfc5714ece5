// XEP-0198 §5 resumption across cluster nodes (spec/cluster.md guarantee 5): what the node that
// held a resumable session hands to the node the client reconnected to — the session's state
// and its unacknowledged stanzas, in order — so that the client resumes as if on one server.

/** One stanza the client has not acknowledged yet. */
export interface HandedStanza {
  readonly text: string
  /** When it was first queued (ms), for the delay stamp if it ends up offline. */
  readonly queuedAt: number
}

/** A session as it moves to another node. */
export interface HandedSession {
  readonly full: string
  /** The resumption id; the session keeps it on the new node. */
  readonly previd: string
  /** Stanzas the server handled from the client (the `h` of `<resumed/>`). */
  readonly inbound: number
  /** The client's `h` from `<resume/>`. */
  readonly acked: number
  readonly stanzas: ReadonlyArray<HandedStanza>
  readonly priority: number
  readonly available: boolean
  /** The last available presence, serialised, or "". */
  readonly presence: string
  readonly rosterRequested: boolean
  readonly directed: ReadonlyArray<string>
  readonly flags: ReadonlyArray<string>
}
