// XEP-0357 push registrations on SQLite: the `push_registrations` table (its migrations are
// recorded as module "push", as earlier versions did), one row per (user, service, node),
// deleted with the account.
import type { DataForm, StoredRegistration } from "@xmpp-amp/server-plugin"
import { pushRegistrationValues } from "../RowValues.js"
import { settle } from "../repositories/Outcome.js"
import type { PushRegistrationRepository } from "../repositories/PushRegistrationRepository.js"
import type { StorageShape } from "../Storage.js"

/** The `push_registrations` table's migrations, applied as module "push" (never edit: append). */
export const pushRegistrationMigrations: ReadonlyArray<string> = [
  `CREATE TABLE push_registrations (
    username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    user TEXT NOT NULL,
    service TEXT NOT NULL,
    node TEXT NOT NULL,
    publish_options TEXT,
    last_used INTEGER NOT NULL,
    error_count INTEGER NOT NULL,
    PRIMARY KEY (user, service, node)
  )`,
]

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
