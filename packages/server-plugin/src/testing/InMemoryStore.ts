// The durable part of the in-memory test host: offline storage, the MAM archive and the AMP
// pending table (spec §4). Share one store between two `InMemoryHost`s to simulate a restart.
import type { Element } from "@xmpp/xml"
import type { PendingRow, PendingTable } from "../Host.js"

/** A message in offline storage, with the extra data the plugin stored with it. */
export interface OfflineEntry {
  /** The storage key. */
  readonly key: string
  /** The stored stanza. */
  readonly stanza: Element
  /** Extra data (the AMP pending id), if any. */
  readonly extra: string | undefined
}

/** A message in a user's archive. */
export interface ArchiveEntry {
  /** The archive key. */
  readonly key: string
  /** The archived stanza. */
  readonly stanza: Element
}

/** Offline storage, archive and pending table kept in memory, surviving host "restarts". */
export class InMemoryStore {
  /** Offline messages per bare JID. */
  readonly offline = new Map<string, OfflineEntry[]>()
  /** Archived messages per bare JID. */
  readonly archive = new Map<string, ArchiveEntry[]>()
  /** The pending table rows by id. */
  readonly pendingRows = new Map<string, PendingRow>()
  private nextKey = 1

  /** A fresh storage key. */
  newKey(prefix: string): string {
    this.nextKey += 1
    return `${prefix}-${this.nextKey}`
  }

  /** The offline messages of a user (empty when none). */
  offlineOf(bare: string): readonly OfflineEntry[] {
    return this.offline.get(bare) ?? []
  }

  /** The archived messages of a user (empty when none). */
  archiveOf(bare: string): readonly ArchiveEntry[] {
    return this.archive.get(bare) ?? []
  }

  /** Appends to a per-user list. */
  append<T>(map: Map<string, T[]>, bare: string, entry: T): void {
    map.set(bare, [...(map.get(bare) ?? []), entry])
  }

  /** Removes an entry by key from every user's list of a map. */
  removeKey<T extends { readonly key: string }>(map: Map<string, T[]>, key: string): void {
    for (const [bare, entries] of map) {
      map.set(
        bare,
        entries.filter((entry) => entry.key !== key),
      )
    }
  }

  /** The pending table over `pendingRows`. */
  readonly pending: PendingTable = {
    put: async (row) => {
      this.pendingRows.set(row.id, row)
    },
    get: async (id) => this.pendingRows.get(id),
    remove: async (id) => {
      this.pendingRows.delete(id)
    },
    due: async (now, limit) =>
      [...this.pendingRows.values()]
        .filter((row) => row.expiresAt <= now)
        .sort((left, right) => left.expiresAt - right.expiresAt)
        .slice(0, limit),
    forRecipient: async (recipient) =>
      [...this.pendingRows.values()].filter((row) => row.recipient === recipient),
  }
}
