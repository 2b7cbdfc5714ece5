// The XEP-0313 archive on PostgreSQL: `mam_messages` and `mam_prefs`. A batch of copies is one
// multi-row INSERT (unnest of arrays: one round trip for the batch); queries use the paging SQL
// both backends share.
import type { Pool, PoolClient } from "pg"
import { archivePage } from "../ArchivePagingSql.js"
import { archivedMessageValues } from "../RowValues.js"
import type {
  ArchivedMessage,
  ArchivePrefs,
  ArchiveRepository,
} from "../repositories/ArchiveRepository.js"
import { settle } from "../repositories/Outcome.js"
import { postgresReason } from "./postgresError.js"
import { commitEach } from "./transactions.js"

const columns = "id, username, direction, peer, peer_full, stanza, message_key, stamp"

const valuesOf = archivedMessageValues

const insertOne = async (client: PoolClient, message: ArchivedMessage) => {
  await client.query(
    `INSERT INTO mam_messages (${columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    valuesOf(message),
  )
}

/** Every copy in one statement, in the order given (so `seq` follows it). */
const insertAll = async (client: PoolClient, messages: ReadonlyArray<ArchivedMessage>) => {
  const column = (index: number) => messages.map((message) => valuesOf(message)[index])
  await client.query(
    `INSERT INTO mam_messages (${columns})
     SELECT ${columns} FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
       $6::text[], $7::text[], $8::bigint[]) WITH ORDINALITY AS batch
       (id, username, direction, peer, peer_full, stanza, message_key, stamp, position)
     ORDER BY position`,
    [0, 1, 2, 3, 4, 5, 6, 7].map(column),
  )
}

interface PrefsRow {
  readonly default_mode: ArchivePrefs["defaultMode"]
  readonly always: ReadonlyArray<string>
  readonly never: ReadonlyArray<string>
}

/** The archive repository over a PostgreSQL pool. Example: `postgresArchive(pool)`. */
export const postgresArchive = (pool: Pool): ArchiveRepository => ({
  append: (messages) => commitEach(pool, "archive.append", messages, insertOne, insertAll),
  query: (owner, query) =>
    settle(
      "archive.query",
      () =>
        archivePage(
          async (statement, values) => (await pool.query(statement, [...values])).rows,
          (position) => `$${position}`,
          owner,
          query,
        ),
      postgresReason,
    ),
  remove: (id) =>
    settle(
      "archive.remove",
      async () => (await pool.query("DELETE FROM mam_messages WHERE id = $1", [id])).rowCount === 1,
      postgresReason,
    ),
  prefs: (username) =>
    settle(
      "archive.prefs",
      async () => {
        const row = (
          await pool.query<PrefsRow>("SELECT * FROM mam_prefs WHERE username = $1", [username])
        ).rows[0]
        return row === undefined
          ? undefined
          : { defaultMode: row.default_mode, always: row.always, never: row.never }
      },
      postgresReason,
    ),
  setPrefs: (username, prefs) =>
    settle(
      "archive.setPrefs",
      async () => {
        await pool.query(
          `INSERT INTO mam_prefs (username, default_mode, always, never) VALUES ($1, $2, $3, $4)
           ON CONFLICT (username) DO UPDATE SET default_mode = excluded.default_mode,
             always = excluded.always, never = excluded.never`,
          [username, prefs.defaultMode, JSON.stringify(prefs.always), JSON.stringify(prefs.never)],
        )
      },
      postgresReason,
    ),
})
