// Accounts on PostgreSQL: the `users` table, one row per account with both SCRAM key sets.
// Deleting an account cascades to every table that references it (ON DELETE CASCADE).
import type { Pool } from "pg"
import { type UserRow, userOf } from "../RowValues.js"
import type { AccountRepository } from "../repositories/AccountRepository.js"
import { settle } from "../repositories/Outcome.js"
import type { UserRecord } from "../Storage.js"
import { postgresReason } from "./postgresError.js"
import { inTransaction } from "./transactions.js"

/** The keys of `user` in column order ($2 to $9), after the username ($1). */
const keysOf = (user: UserRecord) => [
  user.username,
  user.scram_sha_1.salt,
  user.scram_sha_1.iterations,
  user.scram_sha_1.stored_key,
  user.scram_sha_1.server_key,
  user.scram_sha_256.salt,
  user.scram_sha_256.iterations,
  user.scram_sha_256.stored_key,
  user.scram_sha_256.server_key,
]

const insertUser = `INSERT INTO users (username, sha1_salt, sha1_iterations, sha1_stored_key,
    sha1_server_key, sha256_salt, sha256_iterations, sha256_stored_key, sha256_server_key,
    created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
  ON CONFLICT (username) DO NOTHING`

/** The account repository over a PostgreSQL pool. Example: `postgresAccounts(pool)`. */
export const postgresAccounts = (pool: Pool): AccountRepository => ({
  create: (user) =>
    settle(
      "accounts.create",
      async () => (await pool.query(insertUser, [...keysOf(user), Date.now()])).rowCount === 1,
      postgresReason,
    ),
  createMany: (users) =>
    settle(
      "accounts.createMany",
      () =>
        inTransaction(pool, async (client) => {
          const created: Array<string> = []
          const existing: Array<string> = []
          const now = Date.now()
          for (const user of users) {
            const inserted = await client.query(insertUser, [...keysOf(user), now])
            ;(inserted.rowCount === 1 ? created : existing).push(user.username)
          }
          return { created, existing }
        }),
      postgresReason,
    ),
  get: (username) =>
    settle(
      "accounts.get",
      async () => {
        const found = await pool.query<UserRow>("SELECT * FROM users WHERE username = $1", [
          username,
        ])
        const row = found.rows[0]
        return row === undefined ? undefined : userOf(row)
      },
      postgresReason,
    ),
  setCredentials: (user) =>
    settle(
      "accounts.setCredentials",
      async () =>
        (
          await pool.query(
            `UPDATE users SET sha1_salt = $2, sha1_iterations = $3, sha1_stored_key = $4,
               sha1_server_key = $5, sha256_salt = $6, sha256_iterations = $7,
               sha256_stored_key = $8, sha256_server_key = $9
             WHERE username = $1`,
            keysOf(user),
          )
        ).rowCount === 1,
      postgresReason,
    ),
  delete: (username) =>
    settle(
      "accounts.delete",
      async () =>
        (await pool.query("DELETE FROM users WHERE username = $1", [username])).rowCount === 1,
      postgresReason,
    ),
  usernames: () =>
    settle(
      "accounts.usernames",
      async () =>
        (await pool.query<{ username: string }>("SELECT username FROM users")).rows.map(
          (row) => row.username,
        ),
      postgresReason,
    ),
  count: () =>
    settle(
      "accounts.count",
      async () => Number((await pool.query("SELECT count(*) AS n FROM users")).rows[0]?.n ?? 0),
      postgresReason,
    ),
})
