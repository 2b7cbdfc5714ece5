// What the cluster knows of one session held by a node (spec/cluster.md guarantee 1): enough
// for another node to route to it (RFC 6121 priority and availability), answer presence probes
// (its last presence), send roster pushes (it asked for the roster), send carbons and decide
// pushes (hibernated, XEP-0198 / XEP-0357). The owning node publishes a new entry whenever one
// of these changes (src/cluster/LocalAnnouncer.ts).
import type { Session } from "../session/Session.js"
import { serialize } from "../xml/Xml.js"

/** One session as it travels between nodes. */
export interface SessionEntry {
  /** The full JID. */
  readonly full: string
  /** The stream id on the owning node. */
  readonly stream: string
  readonly priority: number
  readonly available: boolean
  /** The last available presence, serialised (with `from`), or "". */
  readonly presence: string
  readonly rosterRequested: boolean
  readonly hibernated: boolean
  /** XEP-0198 is on (AMP's `direct_confirm = "ack"` then waits for the client's ack). */
  readonly streamManaged: boolean
  readonly inactive: boolean
  /** Module flags that other nodes act on, e.g. "carbons" (src/cluster/SessionFlags.ts). */
  readonly flags: ReadonlyArray<string>
  /** When the resource was bound (ms since the epoch): the older of two binds is replaced. */
  readonly boundAt: number
}

/**
 * The entry of a local session now; `boundAt` is kept by the caller, and `presence` is the
 * presence's text when the caller has it already (the same element as last time).
 */
export const entryOf = (
  session: Session,
  boundAt: number,
  flags: ReadonlyArray<string>,
  presence?: string,
): SessionEntry => ({
  full: session.full,
  stream: session.id,
  priority: session.priority,
  available: session.available,
  presence: presence ?? (session.presence === undefined ? "" : serialize(session.presence)),
  rosterRequested: session.rosterRequested,
  hibernated: session.hibernated,
  streamManaged: session.streamManaged,
  inactive: session.clientInactive,
  flags,
  boundAt,
})

/** Whether two entries say the same (a republish is needed otherwise). */
export const sameEntry = (a: SessionEntry, b: SessionEntry): boolean =>
  a.priority === b.priority &&
  a.available === b.available &&
  a.presence === b.presence &&
  a.rosterRequested === b.rosterRequested &&
  a.hibernated === b.hibernated &&
  a.streamManaged === b.streamManaged &&
  a.inactive === b.inactive &&
  a.flags.length === b.flags.length &&
  a.flags.every((flag, index) => b.flags[index] === flag)
