// Opens the storage backend `[storage]` names (spec/cluster.md "Storage"): the embedded SQLite
// file `xmpp-amp.sqlite` in data_dir, or the PostgreSQL database at `url` with a pool of
// `pool_size`. Either way the schema is migrated first (on PostgreSQL under pg_advisory_lock,
// so nodes starting together do not race); a failure is one `StorageError` naming what failed
// (for PostgreSQL the URL, password masked).
import type { ServerConfig } from "../config/ServerConfig.js"
import type { Logger } from "../log/Logger.js"
import { openPostgresBackend, redactedUrl } from "./postgres/PostgresBackend.js"
import { failed, type Outcome } from "./repositories/Outcome.js"
import type { StorageBackend } from "./repositories/StorageBackend.js"
import { databaseFile } from "./SqliteStorage.js"
import { openSqliteBackend } from "./sqlite/SqliteBackend.js"

/** What else the opener may be told. */
export interface OpenBackendOptions {
  /** Told of a pooled PostgreSQL connection that failed (e.g. `StorageHealth.failed`). */
  readonly onConnectionError?: (error: Error) => void
}

/** Where the configured database is, for messages: the SQLite file or the masked URL. */
export const backendLocation = (config: ServerConfig): string =>
  config.storage.backend === "postgres" && config.storage.url !== undefined
    ? redactedUrl(config.storage.url)
    : databaseFile(config.server.data_dir)

/**
 * Opens and migrates the configured backend, logging which one (`storage-opened`).
 * Example: `const backend = await openConfiguredBackend(config, logger); if (failed(backend)) exit(1)`.
 */
export const openConfiguredBackend = async (
  config: ServerConfig,
  logger: Logger,
  options: OpenBackendOptions = {},
): Promise<Outcome<StorageBackend>> => {
  const { backend, url, pool_size } = config.storage
  const opened =
    backend === "postgres" && url !== undefined
      ? await openPostgresBackend({
          url,
          poolSize: pool_size,
          ...(options.onConnectionError === undefined
            ? {}
            : { onConnectionError: options.onConnectionError }),
        })
      : await openSqliteBackend(databaseFile(config.server.data_dir))
  // A failure is the caller's to report (the CLI prints it as one line and exits).
  if (!failed(opened)) logger.info("storage-opened", { backend, location: backendLocation(config) })
  return opened
}
