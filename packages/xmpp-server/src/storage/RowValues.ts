// The column values both backends write for one row, in their tables' column order: the SQL
// differs per dialect (placeholders, upsert), the values do not.
import type { StoredRegistration } from "@xmpp-amp/server-plugin"
import type { ArchivedMessage } from "./repositories/ArchiveRepository.js"
import type { ScramCredentials, UserRecord } from "./Storage.js"

/**
 * `mam_messages` columns: id, username, direction, peer, peer_full, stanza, message_key, stamp.
 * Example: `pool.query(insert, archivedMessageValues(message))`.
 */
export const archivedMessageValues = (message: ArchivedMessage) => [
  message.id,
  message.username,
  message.direction,
  message.peer,
  message.peerFull,
  message.stanza,
  message.messageKey,
  message.stamp,
]

/**
 * `push_registrations` columns: username, user, service, node, publish_options, last_used,
 * error_count. Example: `sql.run(insert, pushRegistrationValues(registration))`.
 */
export const pushRegistrationValues = (registration: StoredRegistration) => [
  registration.user.split("@")[0] ?? "",
  registration.user,
  registration.service,
  registration.node,
  registration.publishOptions === undefined ? null : JSON.stringify(registration.publishOptions),
  registration.lastUsed,
  registration.errorCount,
]

/** A `users` row as both backends read it (`SELECT * FROM users`). */
export interface UserRow {
  readonly username: string
  readonly sha1_salt: string
  readonly sha1_iterations: number
  readonly sha1_stored_key: string
  readonly sha1_server_key: string
  readonly sha256_salt: string
  readonly sha256_iterations: number
  readonly sha256_stored_key: string
  readonly sha256_server_key: string
}

const credentialsOf = (
  salt: string,
  iterations: number,
  storedKey: string,
  serverKey: string,
): ScramCredentials => ({ salt, iterations, stored_key: storedKey, server_key: serverKey })

/** The account a `users` row holds. Example: `userOf(row)`. */
export const userOf = (row: UserRow): UserRecord => ({
  username: row.username,
  scram_sha_1: credentialsOf(
    row.sha1_salt,
    row.sha1_iterations,
    row.sha1_stored_key,
    row.sha1_server_key,
  ),
  scram_sha_256: credentialsOf(
    row.sha256_salt,
    row.sha256_iterations,
    row.sha256_stored_key,
    row.sha256_server_key,
  ),
})
