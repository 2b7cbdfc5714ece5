// Recently used rosters (RFC 6121) kept in memory in front of the database. Every message with
// an AMP rule asks for the recipient's roster item for the sender (the presence check,
// XEP-0079 §9), and every presence change reads a whole roster: one SQLite query each was the
// largest single cost of an AMP message. A write changes the cached copy in place (O(1), no
// reload: issue 25 item 2, a user with thousands of items), so reads see it at once, before its
// batched commit. Coherence: the storage drops a user's copy on account changes and when a
// commit of its writes failed, drops everything when a transaction fails (its writes were
// rolled back), and when another connection (the CLI's `adduser`/`deluser` while the server
// runs) committed to the database, which SQLite's `data_version` tells (asked at most once a
// second, so such a write is seen within a second). A roster is loaded only after the queued
// writes were committed (the source's `load` flushes first), so a reload never misses one.
import { setBounded } from "../core/boundedMap.js"
import type { RosterItem } from "./Storage.js"

/** How the cache reads a roster and learns of other connections' writes. */
export interface RosterSource {
  /** The user's items, as the database orders them (by contact JID). */
  readonly load: (username: string) => ReadonlyArray<RosterItem>
  /** True when another connection committed since the last call. */
  readonly changedElsewhere: () => boolean
}

interface Roster {
  readonly byContact: Map<string, RosterItem>
  /** The items by contact JID, as the database lists them; rebuilt after an add or removal. */
  sorted: Array<RosterItem> | undefined
}

const byJid = (left: RosterItem, right: RosterItem): number =>
  left.jid < right.jid ? -1 : left.jid > right.jid ? 1 : 0

/** Index of `jid` in `items` (sorted by JID), or -1. */
const indexOf = (items: ReadonlyArray<RosterItem>, jid: string): number => {
  let low = 0
  let high = items.length - 1
  while (low <= high) {
    const middle = (low + high) >>> 1
    const found = items[middle]?.jid ?? ""
    if (found === jid) return middle
    if (found < jid) low = middle + 1
    else high = middle - 1
  }
  return -1
}

/** The rosters of the `capacity` users read last; the one read first goes when full. */
export class RosterCache {
  private readonly rosters = new Map<string, Roster>()

  constructor(
    private readonly source: RosterSource,
    private readonly capacity: number,
  ) {}

  /** The user's items by contact JID (sorted once after an add or removal, not per call). */
  list(username: string): ReadonlyArray<RosterItem> {
    const roster = this.rosterOf(username)
    if (roster.sorted === undefined) roster.sorted = [...roster.byContact.values()].sort(byJid)
    return roster.sorted
  }

  get(username: string, contact: string): RosterItem | undefined {
    return this.rosterOf(username).byContact.get(contact)
  }

  /** How many items the user has (hidden ones included). */
  count(username: string): number {
    return this.rosterOf(username).byContact.size
  }

  /** The storage wrote (or queued) `item`: update a cached copy in place. O(log n) at most. */
  put(username: string, item: RosterItem): void {
    const roster = this.rosters.get(username)
    if (roster === undefined) return
    const known = roster.byContact.has(item.jid)
    roster.byContact.set(item.jid, item)
    const index = known && roster.sorted !== undefined ? indexOf(roster.sorted, item.jid) : -1
    if (index === -1 || roster.sorted === undefined) roster.sorted = undefined
    else roster.sorted[index] = item
  }

  /** The storage removed (or queued the removal of) `contact`'s item. */
  remove(username: string, contact: string): void {
    const roster = this.rosters.get(username)
    if (roster === undefined || !roster.byContact.delete(contact)) return
    roster.sorted = undefined
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
    const roster: Roster = {
      byContact: new Map(items.map((item) => [item.jid, item])),
      sorted: [...items],
    }
    setBounded(this.rosters, username, roster, this.capacity)
    return roster
  }
}
