// One user's RFC 6121 roster held in memory (src/roster/Rosters.ts keeps them): the items by
// contact JID, and the list ordered by JID as the database lists it. A change is applied in
// place in O(1) (O(log n) when the sorted list is built), so a user with thousands of items
// pays nothing per roster set (issue 25 item 2); the sorted list is rebuilt only after an add
// or a removal, at the next `list`.
import type { RosterChange } from "../storage/RosterWriteBatch.js"
import type { RosterItem } from "../storage/Storage.js"

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

/** A roster in memory. Example: `CachedRoster.of(items).get("romeo@example.net")`. */
export class CachedRoster {
  private readonly byContact: Map<string, RosterItem>
  /** The items by contact JID; undefined after an add or removal until the next `list`. */
  private sorted: Array<RosterItem> | undefined

  private constructor(items: ReadonlyArray<RosterItem>) {
    this.byContact = new Map(items.map((item) => [item.jid, item]))
    this.sorted = [...items].sort(byJid)
  }

  /** The roster of `items` (as the repository lists them). */
  static of(items: ReadonlyArray<RosterItem>): CachedRoster {
    return new CachedRoster(items)
  }

  /** The items by contact JID (sorted once after an add or removal, not per call). */
  list(): ReadonlyArray<RosterItem> {
    this.sorted ??= [...this.byContact.values()].sort(byJid)
    return this.sorted
  }

  get(contact: string): RosterItem | undefined {
    return this.byContact.get(contact)
  }

  /** How many items the user has (hidden ones included). */
  get count(): number {
    return this.byContact.size
  }

  /** Applies a put (insert or replace) or a removal in place. */
  apply(change: RosterChange): void {
    if (change.kind === "remove") {
      if (this.byContact.delete(change.contact)) this.sorted = undefined
      return
    }
    const item = change.item
    const known = this.byContact.has(item.jid)
    this.byContact.set(item.jid, item)
    const index = known && this.sorted !== undefined ? indexOf(this.sorted, item.jid) : -1
    if (index === -1 || this.sorted === undefined) this.sorted = undefined
    else this.sorted[index] = item
  }
}
