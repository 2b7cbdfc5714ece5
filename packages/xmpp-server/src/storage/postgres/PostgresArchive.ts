// The XEP-0313 archive on PostgreSQL: `mam_messages`, `mam_prefs` and `mam_usage` (bytes per
// user, kept by triggers: postgresMigrations.ts). A batch of copies is one multi-row INSERT
// (unnest of arrays: one round trip for the batch); under a quota, the owners' `users` rows are
// locked (FOR NO KEY UPDATE, as an offline append does) while their usage is read and the
// copies that fit are inserted, so appends on other connections or nodes never pass the quota
// together. Queries use the paging SQL both backends share.
import type { Pool, PoolClient } from "pg"
import { archivePage } from "../ArchivePagingSql.js"
import { archivedMessageValues } from "../RowValues.js"
import type {
  ArchiveAppend,
  ArchivedMessage,
  ArchivePrefs,
  ArchiveRepository,
} from "../repositories/ArchiveRepository.js"
import { type Outcome, settle, storageErrorOf } from "../repositories/Outcome.js"
import { StorageError } from "../Storage.js"
import { postgresReason } from "./postgresError.js"
import { commitEach, inTransaction } from "./transactions.js"

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

/** Locks the owners' account rows (in one order: no deadlock) and reads their usage. */
const lockUsage = async (client: PoolClient, messages: ReadonlyArray<ArchivedMessage>) => {
  const owners = [...new Set(messages.map((message) => message.username))].sort()
  const present = await client.query<{ readonly username: string }>(
    "SELECT username FROM users WHERE username = ANY($1) ORDER BY username FOR NO KEY UPDATE",
    [owners],
  )
  const usage = await client.query<{ readonly username: string; readonly bytes: string }>(
    "SELECT username, bytes FROM mam_usage WHERE username = ANY($1)",
    [owners],
  )
  const used = new Map(usage.rows.map((row) => [row.username, Number(row.bytes)]))
  return { accounts: new Set(present.rows.map((row) => row.username)), used }
}

/**
 * The copies that fit in one transaction: all together (one INSERT) when `together`, else one
 * savepoint each so a copy that fails (a duplicate id) fails alone.
 */
const appendFitting = (
  client: PoolClient,
  messages: ReadonlyArray<ArchivedMessage>,
  maxBytes: number,
  together: boolean,
): Promise<ReadonlyArray<Outcome<ArchiveAppend>>> =>
  lockUsage(client, messages).then(async ({ accounts, used }) => {
    const outcomes: Array<Outcome<ArchiveAppend>> = []
    const fitting: Array<ArchivedMessage> = []
    for (const message of messages) {
      const before = used.get(message.username) ?? 0
      const bytes = Buffer.byteLength(message.stanza)
      if (!accounts.has(message.username)) {
        outcomes.push(
          new StorageError("archive.append", "constraint", `no account ${message.username}`),
        )
      } else if (maxBytes > 0 && before + bytes > maxBytes) {
        outcomes.push({ stored: false, reason: "quota", usedBytes: before })
      } else if (together) {
        fitting.push(message)
        used.set(message.username, before + bytes)
        outcomes.push({ stored: true, usedBytes: before + bytes })
      } else {
        await client.query("SAVEPOINT copy")
        try {
          await insertOne(client, message)
          await client.query("RELEASE SAVEPOINT copy")
          used.set(message.username, before + bytes)
          outcomes.push({ stored: true, usedBytes: before + bytes })
        } catch (error) {
          await client.query("ROLLBACK TO SAVEPOINT copy")
          outcomes.push(storageErrorOf("archive.append", error, postgresReason))
        }
      }
    }
    if (fitting.length > 0) await insertAll(client, fitting)
    return outcomes
  })

/** The batch as one INSERT; if that fails, again with a savepoint per copy. Never rejects. */
const appendUnderQuota = async (
  pool: Pool,
  messages: ReadonlyArray<ArchivedMessage>,
  maxBytes: number,
): Promise<ReadonlyArray<Outcome<ArchiveAppend>>> => {
  if (messages.length === 0) return []
  try {
    return await inTransaction(pool, (client) => appendFitting(client, messages, maxBytes, true))
  } catch {
    try {
      return await inTransaction(pool, (client) => appendFitting(client, messages, maxBytes, false))
    } catch (error) {
      const failure = storageErrorOf("archive.append", error, postgresReason)
      return messages.map(() => failure)
    }
  }
}

interface PrefsRow {
  readonly username: string
  readonly default_mode: ArchivePrefs["defaultMode"]
  readonly always: ReadonlyArray<string>
  readonly never: ReadonlyArray<string>
}

const prefsOf = (row: PrefsRow): ArchivePrefs => ({
  defaultMode: row.default_mode,
  always: row.always,
  never: row.never,
})

/** The archive repository over a PostgreSQL pool. Example: `postgresArchive(pool)`. */
export const postgresArchive = (pool: Pool): ArchiveRepository => ({
  append: (messages) => commitEach(pool, "archive.append", messages, insertOne, insertAll),
  appendUnderQuota: (messages, quota) => appendUnderQuota(pool, messages, quota.maxBytes),
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
        return row === undefined ? undefined : prefsOf(row)
      },
      postgresReason,
    ),
  allPrefs: () =>
    settle(
      "archive.allPrefs",
      async () =>
        new Map(
          (await pool.query<PrefsRow>("SELECT * FROM mam_prefs")).rows.map(
            (row) => [row.username, prefsOf(row)] as const,
          ),
        ),
      postgresReason,
    ),
  removeExpired: (before, limit) =>
    settle(
      "archive.removeExpired",
      async () =>
        (
          await pool.query(
            `DELETE FROM mam_messages WHERE seq IN
               (SELECT seq FROM mam_messages WHERE stamp < $1 ORDER BY stamp LIMIT $2)`,
            [before, limit],
          )
        ).rowCount ?? 0,
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
