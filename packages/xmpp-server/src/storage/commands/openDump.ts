// Opens the configured database for `export` and `import`: the backend (which migrates, so an
// import target has every table) and its dump (src/storage/repositories/DumpRepository.ts).
// SQLite's dump shares the backend's connection; PostgreSQL's has a small pool of its own.
import type { ServerConfig } from "../../config/ServerConfig.js"
import { silentLogger } from "../../log/Logger.js"
import { backendLocation, openConfiguredBackend } from "../openBackend.js"
import { postgresDump } from "../postgres/PostgresDump.js"
import type { DumpRepository } from "../repositories/DumpRepository.js"
import { failed } from "../repositories/Outcome.js"
import { databaseFile, openSqliteStorage } from "../SqliteStorage.js"
import { StorageError } from "../Storage.js"
import { sqliteBackendOn } from "../sqlite/SqliteBackend.js"
import { sqliteDump } from "../sqlite/SqliteDump.js"
import { causeOf, StorageCommandError } from "./StorageCommandError.js"

/** An open dump and how to let it go. */
export interface OpenDump {
  readonly dump: DumpRepository
  /** "the sqlite database /data/xmpp-amp.sqlite" / "the postgres database postgres://…". */
  readonly name: string
  close(): Promise<void>
}

/** Throws `StorageCommandError` naming the database when it cannot be opened. */
export const openConfiguredDump = async (config: ServerConfig): Promise<OpenDump> => {
  const name = `the ${config.storage.backend} database ${backendLocation(config)}`
  const { url } = config.storage
  if (config.storage.backend === "postgres" && url !== undefined) {
    const backend = await openConfiguredBackend(config, silentLogger)
    if (failed(backend))
      throw new StorageCommandError(
        `cannot open ${name}: ${causeOf(backend.message, backendLocation(config))}`,
      )
    const dump = postgresDump(url)
    return {
      dump,
      name,
      close: async () => {
        await dump.close()
        await backend.close()
      },
    }
  }
  try {
    const storage = openSqliteStorage(databaseFile(config.server.data_dir))
    const backend = sqliteBackendOn(storage)
    return { dump: sqliteDump(storage), name, close: async () => void (await backend.close()) }
  } catch (error) {
    const message = error instanceof StorageError || error instanceof Error ? error.message : error
    throw new StorageCommandError(`cannot open ${name}: ${message}`)
  }
}
