// `xmpp-amp-server migrate --config FILE` (spec/cluster.md "Storage"): opens the configured
// database, which creates or upgrades its schema (on PostgreSQL under pg_advisory_lock, so it
// is safe beside starting nodes), closes it and says in one line what it did.
import type { ServerConfig } from "../../config/ServerConfig.js"
import { silentLogger } from "../../log/Logger.js"
import { backendLocation, openConfiguredBackend } from "../openBackend.js"
import { failed } from "../repositories/Outcome.js"
import { causeOf, StorageCommandError } from "./StorageCommandError.js"
import { schemaSteps } from "./schemaSteps.js"

/** Migrates and answers the line to print; throws `StorageCommandError` naming the database. */
export const migrateCommand = async (config: ServerConfig): Promise<string> => {
  const name = `the ${config.storage.backend} database ${backendLocation(config)}`
  const before = await schemaSteps(config)
  const backend = await openConfiguredBackend(config, silentLogger)
  if (failed(backend))
    throw new StorageCommandError(
      `cannot migrate ${name}: ${causeOf(backend.message, backendLocation(config))}`,
    )
  const closed = await backend.close()
  if (failed(closed))
    throw new StorageCommandError(`migrated ${name}, but closing it failed: ${closed.message}`)
  const after = await schemaSteps(config)
  const applied = after - before
  return applied === 0
    ? `${name} is up to date (${after} schema steps; nothing to apply)`
    : `migrated ${name}: applied ${applied} schema step${applied === 1 ? "" : "s"} (${after} in all)`
}
