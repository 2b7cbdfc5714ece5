// RFC 6121 rosters on PostgreSQL: the `roster` table, groups as JSONB. A batch of changes is
// committed in one transaction (see transactions.ts for how one failing change fails alone).
// No `changedElsewhere`: telling the cached rosters of other nodes' (or the CLI's) writes is
// cross-node invalidation, which comes with the cluster (issue 23).
import type { Pool, PoolClient } from "pg"
import type { RosterChange } from "../RosterWriteBatch.js"
import { settle } from "../repositories/Outcome.js"
import type { RosterRepository } from "../repositories/RosterRepository.js"
import type { RosterItem, Subscription } from "../Storage.js"
import { postgresReason } from "./postgresError.js"
import { commitEach } from "./transactions.js"

interface RosterRow {
  readonly jid: string
  readonly name: string | null
  readonly subscription: Subscription
  readonly ask_out: boolean
  readonly pending_in: string | null
  readonly groups: ReadonlyArray<string>
}

const itemOf = (row: RosterRow): RosterItem => ({
  jid: row.jid,
  name: row.name ?? undefined,
  subscription: row.subscription,
  ask_out: row.ask_out,
  pending_in: row.pending_in ?? undefined,
  groups: row.groups,
})

type Queryable = Pick<PoolClient, "query">

const put = (client: Queryable, username: string, item: RosterItem) =>
  client.query(
    `INSERT INTO roster (username, jid, name, subscription, ask_out, pending_in, groups)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (username, jid) DO UPDATE SET name = excluded.name,
       subscription = excluded.subscription, ask_out = excluded.ask_out,
       pending_in = excluded.pending_in, groups = excluded.groups`,
    [
      username,
      item.jid,
      item.name ?? null,
      item.subscription,
      item.ask_out,
      item.pending_in ?? null,
      JSON.stringify(item.groups),
    ],
  )

const remove = async (client: Queryable, username: string, contact: string) =>
  (await client.query("DELETE FROM roster WHERE username = $1 AND jid = $2", [username, contact]))
    .rowCount === 1

const apply = async (client: Queryable, username: string, change: RosterChange) => {
  if (change.kind === "put") await put(client, username, change.item)
  else await remove(client, username, change.contact)
}

/** The roster repository over a PostgreSQL pool. Example: `postgresRoster(pool)`. */
export const postgresRoster = (pool: Pool): RosterRepository => ({
  list: (username) =>
    settle(
      "roster.list",
      async () =>
        (
          await pool.query<RosterRow>(
            'SELECT * FROM roster WHERE username = $1 ORDER BY jid COLLATE "C"',
            [username],
          )
        ).rows.map(itemOf),
      postgresReason,
    ),
  put: (username, item) =>
    settle(
      "roster.put",
      async () => {
        await put(pool, username, item)
      },
      postgresReason,
    ),
  remove: (username, contact) =>
    settle("roster.remove", () => remove(pool, username, contact), postgresReason),
  commit: (changes) =>
    commitEach(pool, "roster.commit", changes, (client, { username, change }) =>
      apply(client, username, change),
    ),
})
