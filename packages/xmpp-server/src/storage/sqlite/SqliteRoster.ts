// RFC 6121 rosters on SQLite: the core `roster` table, one row per item, groups as JSON text.
// A batch of changes is one transaction; a statement that fails alone is rolled back alone
// (SQLite keeps the transaction), so each change gets its own outcome.
import type { RosterChange } from "../RosterWriteBatch.js"
import { settle } from "../repositories/Outcome.js"
import type { RosterRepository } from "../repositories/RosterRepository.js"
import type { RosterItem, StorageShape, Subscription } from "../Storage.js"
import { commitEach } from "./commitEach.js"

interface RosterRow {
  readonly jid: string
  readonly name: string | null
  readonly subscription: Subscription
  readonly ask_out: number
  readonly pending_in: string | null
  readonly groups: string
}

const itemOf = (row: RosterRow): RosterItem => ({
  jid: row.jid,
  name: row.name ?? undefined,
  subscription: row.subscription,
  ask_out: row.ask_out === 1,
  pending_in: row.pending_in ?? undefined,
  groups: JSON.parse(row.groups) as ReadonlyArray<string>,
})

const upsert = `INSERT INTO roster (username, jid, name, subscription, ask_out, pending_in, groups)
  VALUES (?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (username, jid) DO UPDATE SET name = excluded.name,
    subscription = excluded.subscription, ask_out = excluded.ask_out,
    pending_in = excluded.pending_in, groups = excluded.groups`

/** How stale a cached roster may be after another process (the CLI) wrote the database. */
const externalWritesCheckMilliseconds = 1000

/** The roster repository over an open SQLite storage. Example: `sqliteRoster(storage)`. */
export const sqliteRoster = (storage: StorageShape): RosterRepository => {
  const { sql } = storage
  // SQLite's `data_version` changes when another connection commits (not for our own commits).
  const dataVersion = (): number | undefined =>
    sql.get<{ readonly data_version: number }>("PRAGMA data_version")?.data_version
  let seenVersion = dataVersion()
  let versionCheckedAt = Date.now()
  const put = (username: string, item: RosterItem): void => {
    sql.run(upsert, [
      username,
      item.jid,
      item.name ?? null,
      item.subscription,
      item.ask_out ? 1 : 0,
      item.pending_in ?? null,
      JSON.stringify(item.groups),
    ])
  }
  const remove = (username: string, contact: string): boolean =>
    sql.run("DELETE FROM roster WHERE username = ? AND jid = ?", [username, contact]).changes === 1
  const apply = (username: string, change: RosterChange): void => {
    if (change.kind === "put") put(username, change.item)
    else remove(username, change.contact)
  }
  return {
    list: (username) =>
      settle("roster.list", () =>
        sql
          .all<RosterRow>("SELECT * FROM roster WHERE username = ? ORDER BY jid", [username])
          .map(itemOf),
      ),
    put: (username, item) => settle("roster.put", () => put(username, item)),
    remove: (username, contact) => settle("roster.remove", () => remove(username, contact)),
    commit: async (changes) =>
      commitEach(storage, "roster.commit", changes, ({ username, change }) =>
        apply(username, change),
      ),
    changedElsewhere: () => {
      // Asking SQLite costs as much as the cached read it guards: at most once a second.
      const now = Date.now()
      if (now - versionCheckedAt < externalWritesCheckMilliseconds) return false
      versionCheckedAt = now
      let version: number | undefined
      try {
        version = dataVersion()
      } catch {
        // Unreadable now: the writes fail and say so; the cached rosters stay until it answers.
        return false
      }
      if (version === seenVersion) return false
      seenVersion = version
      return true
    },
  }
}
