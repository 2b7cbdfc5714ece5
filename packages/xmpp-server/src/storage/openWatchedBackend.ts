// The configured backend as the running server needs it (issue 22 item 5): opened and migrated
// (src/storage/openBackend.ts), with a `StorageHealth` that its pool's connection errors and
// every repository answer feed, probing with `accounts.count()` while down. The server hands
// `repositories` to the modules and `health` to the streams (new logins are refused while it is
// down) and stops `health` before closing `backend`.
import type { ServerConfig } from "../config/ServerConfig.js"
import type { Logger } from "../log/Logger.js"
import { backendLocation, openConfiguredBackend } from "./openBackend.js"
import { failed, type Outcome } from "./repositories/Outcome.js"
import type { Repositories, StorageBackend } from "./repositories/StorageBackend.js"
import { type StorageHealth, storageHealth } from "./StorageHealth.js"
import { watchRepositories } from "./watchRepositories.js"

/** An open backend, its watched repositories and its health. */
export interface WatchedBackend {
  readonly backend: StorageBackend
  readonly repositories: Repositories
  readonly health: StorageHealth
}

/**
 * Opens the configured backend with its health. Example:
 * `const opened = await openWatchedBackend(config, logger); if (failed(opened)) exit(opened.message)`.
 */
export const openWatchedBackend = async (
  config: ServerConfig,
  logger: Logger,
  options: { readonly probeIntervalMs?: number } = {},
): Promise<Outcome<WatchedBackend>> => {
  let health: StorageHealth | undefined
  const backend = await openConfiguredBackend(config, logger, {
    onConnectionError: (error) => health?.failed(error),
  })
  if (failed(backend)) return backend
  const watching = storageHealth({
    probe: () => backend.accounts.count(),
    logger,
    backend: backend.kind,
    location: backendLocation(config),
    ...(options.probeIntervalMs === undefined ? {} : { probeIntervalMs: options.probeIntervalMs }),
  })
  health = watching
  return { backend, health: watching, repositories: watchRepositories(backend, watching) }
}
