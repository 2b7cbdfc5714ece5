// XEP-0357 push registrations on PostgreSQL: the `push_registrations` table, one row per
// (user, service, node), publish options as JSONB.
import type { DataForm, StoredRegistration } from "@xmpp-amp/server-plugin"
import type { Pool } from "pg"
import { pushRegistrationValues } from "../RowValues.js"
import { settle } from "../repositories/Outcome.js"
import type { PushRegistrationRepository } from "../repositories/PushRegistrationRepository.js"
import { postgresReason } from "./postgresError.js"

interface SqlRow {
  readonly user: string
  readonly service: string
  readonly node: string
  readonly publish_options: DataForm | null
  readonly last_used: string
  readonly error_count: number
}

const registrationOf = (row: SqlRow): StoredRegistration => ({
  user: row.user,
  service: row.service,
  node: row.node,
  ...(row.publish_options === null ? {} : { publishOptions: row.publish_options }),
  lastUsed: Number(row.last_used),
  errorCount: Number(row.error_count),
})

/** The push registration repository over a PostgreSQL pool. Example: `postgresPushRegistrations(pool)`. */
export const postgresPushRegistrations = (pool: Pool): PushRegistrationRepository => ({
  load: () =>
    settle(
      "pushRegistrations.load",
      async () =>
        (
          await pool.query<SqlRow>(
            `SELECT * FROM push_registrations ORDER BY "user" COLLATE "C", service COLLATE "C",
               node COLLATE "C"`,
          )
        ).rows.map(registrationOf),
      postgresReason,
    ),
  save: (registration) =>
    settle(
      "pushRegistrations.save",
      async () => {
        await pool.query(
          `INSERT INTO push_registrations
             (username, "user", service, node, publish_options, last_used, error_count)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT ("user", service, node) DO UPDATE SET username = excluded.username,
             publish_options = excluded.publish_options, last_used = excluded.last_used,
             error_count = excluded.error_count`,
          pushRegistrationValues(registration),
        )
      },
      postgresReason,
    ),
  remove: (registration) =>
    settle(
      "pushRegistrations.remove",
      async () => {
        await pool.query(
          `DELETE FROM push_registrations WHERE "user" = $1 AND service = $2 AND node = $3`,
          [registration.user, registration.service, registration.node],
        )
      },
      postgresReason,
    ),
})
