// The column values both backends write for one row, in their tables' column order: the SQL
// differs per dialect (placeholders, upsert), the values do not.
import type { StoredRegistration } from "@xmpp-amp/server-plugin"
import type { ArchivedMessage } from "./repositories/ArchiveRepository.js"

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
