// Durable XEP-0357 push registrations (project push spec: registrations outlive restarts) in the
// server's SQLite storage: one row per (account, app server JID, node), deleted with the account.
import type { DataForm, RegistrationStore, StoredRegistration } from "@xmpp-amp/server-plugin"
import type { StorageShape } from "../storage/Storage.js"

const MIGRATIONS = [
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

const toRegistration = (row: SqlRow): StoredRegistration => ({
  user: row.user,
  service: row.service,
  node: row.node,
  ...(row.publish_options === null
    ? {}
    : { publishOptions: JSON.parse(row.publish_options) as DataForm }),
  lastUsed: Number(row.last_used),
  errorCount: Number(row.error_count),
})

/** Creates (once) and opens the `push_registrations` table of the server's storage. */
export const registrationTable = (storage: StorageShape): RegistrationStore => {
  storage.migrate("push", MIGRATIONS)
  const { sql } = storage
  return {
    load: async () => sql.all<SqlRow>("SELECT * FROM push_registrations").map(toRegistration),
    save: async (registration) => {
      sql.run(
        `INSERT OR REPLACE INTO push_registrations
          (username, user, service, node, publish_options, last_used, error_count)
          VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [
          registration.user.split("@")[0] ?? "",
          registration.user,
          registration.service,
          registration.node,
          registration.publishOptions === undefined
            ? null
            : JSON.stringify(registration.publishOptions),
          registration.lastUsed,
          registration.errorCount,
        ],
      )
    },
    remove: async (registration) => {
      sql.run("DELETE FROM push_registrations WHERE user = ? AND service = ? AND node = ?", [
        registration.user,
        registration.service,
        registration.node,
      ])
    },
  }
}
