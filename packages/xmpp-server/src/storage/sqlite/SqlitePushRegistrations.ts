// XEP-0357 push registrations on SQLite: the push module's `push_registrations` table
// (src/push/RegistrationSql.ts), one row per (user, service, node).
import type { DataForm, StoredRegistration } from "@xmpp-amp/server-plugin"
import { pushRegistrationValues } from "../RowValues.js"
import { settle } from "../repositories/Outcome.js"
import type { PushRegistrationRepository } from "../repositories/PushRegistrationRepository.js"
import type { StorageShape } from "../Storage.js"

interface SqlRow {
  readonly user: string
  readonly service: string
  readonly node: string
  readonly publish_options: string | null
  readonly last_used: number
  readonly error_count: number
}

const registrationOf = (row: SqlRow): StoredRegistration => ({
  user: row.user,
  service: row.service,
  node: row.node,
  ...(row.publish_options === null
    ? {}
    : { publishOptions: JSON.parse(row.publish_options) as DataForm }),
  lastUsed: Number(row.last_used),
  errorCount: Number(row.error_count),
})

/** The push registration repository over an open SQLite storage. Example: `sqlitePushRegistrations(storage)`. */
export const sqlitePushRegistrations = (storage: StorageShape): PushRegistrationRepository => {
  const { sql } = storage
  return {
    load: () =>
      settle("pushRegistrations.load", () =>
        sql
          .all<SqlRow>("SELECT * FROM push_registrations ORDER BY user, service, node")
          .map(registrationOf),
      ),
    save: (registration) =>
      settle("pushRegistrations.save", () => {
        sql.run(
          `INSERT OR REPLACE INTO push_registrations
             (username, user, service, node, publish_options, last_used, error_count)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
          pushRegistrationValues(registration),
        )
      }),
    remove: (registration) =>
      settle("pushRegistrations.remove", () => {
        sql.run("DELETE FROM push_registrations WHERE user = ? AND service = ? AND node = ?", [
          registration.user,
          registration.service,
          registration.node,
        ])
      }),
  }
}
