// Recently used rosters (RFC 6121) kept in memory in front of the database. Every message with
// an AMP rule asks for the recipient's roster item for the sender (the presence check,
// XEP-0079 §9), and every presence change reads a whole roster: one SQLite query each was the
// largest single cost of an AMP message. Coherence: the storage drops a user's copy on every
// roster write and account change of its own, drops everything when a transaction fails (its
// writes were rolled back), and when another connection (the CLI's `adduser`/`deluser` while
// the server runs) committed to the database, which SQLite's `data_version` tells (asked at most
// once a second, so such a write is seen within a second).
import { setBounded } from "../core/boundedMap.js"
import type { RosterItem } from "./Storage.js"

/** How the cache reads a roster and learns of other connections' writes. */
export interface RosterSource {
  /** The user's items, as the database orders them. */
  readonly load: (username: string) => ReadonlyArray<RosterItem>
  /** True when another connection committed since the last call. */
  readonly changedElsewhere: () => boolean
}

interface Roster {
  readonly items: ReadonlyArray<RosterItem>
  readonly byContact: ReadonlyMap<string, RosterItem>
}

/** The rosters of the `capacity` users read last; the one read first goes when full. */
export class RosterCache {
  private readonly rosters = new Map<string, Roster>()

  constructor(
    private readonly source: RosterSource,
    private readonly capacity: number,
  ) {}

  list(username: string): ReadonlyArray<RosterItem> {
    return this.rosterOf(username).items
  }

  get(username: string, contact: string): RosterItem | undefined {
    return this.rosterOf(username).byContact.get(contact)
  }

  /** The user's roster or account changed: read it again next time. */
  forget(username: string): void {
    this.rosters.delete(username)
  }

  clear(): void {
    this.rosters.clear()
  }

  private rosterOf(username: string): Roster {
    if (this.source.changedElsewhere()) this.rosters.clear()
    const cached = this.rosters.get(username)
    if (cached !== undefined) return cached
    const items = this.source.load(username)
    const roster: Roster = { items, byContact: new Map(items.map((item) => [item.jid, item])) }
    setBounded(this.rosters, username, roster, this.capacity)
    return roster
  }
}
