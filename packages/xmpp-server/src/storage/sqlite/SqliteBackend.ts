// The embedded backend (spec/cluster.md "Storage", the default): one SQLite file in data_dir,
// opened as today (src/storage/SqliteStorage.ts: WAL, synchronous=FULL, foreign keys, 0600)
// with today's tables and migrations, the modules' included, so a database written by an
// earlier version opens unchanged. better-sqlite3 is synchronous: each repository call runs
// to its end in one go, and its promise is settled when it resolves.
import { mamMigrations } from "../../mam/MamTable.js"
import { offlineMigrations } from "../../offline/OfflineTable.js"
import { smMigrations } from "../../sm/SmPending.js"
import { type Outcome, settle } from "../repositories/Outcome.js"
import type { StorageBackend } from "../repositories/StorageBackend.js"
import { openSqliteStorage } from "../SqliteStorage.js"
import type { StorageShape } from "../Storage.js"
import { sqliteAccounts } from "./SqliteAccounts.js"
import { ampPendingMigrations, sqliteAmpPending } from "./SqliteAmpPending.js"
import { sqliteArchive } from "./SqliteArchive.js"
import { sqliteOffline } from "./SqliteOffline.js"
import { pushRegistrationMigrations, sqlitePushRegistrations } from "./SqlitePushRegistrations.js"
import { sqliteRoster } from "./SqliteRoster.js"
import { sqliteSmPending } from "./SqliteSmPending.js"

/** Applies every module's migrations, the same ones (and names) the modules apply themselves. */
const migrateModules = (storage: StorageShape): void => {
  storage.migrate("offline", offlineMigrations)
  storage.migrate("mam", mamMigrations)
  storage.migrate("stream_management", smMigrations)
  storage.migrate("amp", ampPendingMigrations)
  storage.migrate("push", pushRegistrationMigrations)
}

/**
 * The repositories over an open SQLite storage (the same connection, so code that still uses
 * `storage` and the repositories see one database). Applies every migration first.
 * Example: `const backend = sqliteBackendOn(openSqliteStorage(file))`.
 */
export const sqliteBackendOn = (storage: StorageShape): StorageBackend => {
  migrateModules(storage)
  return {
    kind: "sqlite",
    accounts: sqliteAccounts(storage),
    roster: sqliteRoster(storage),
    offline: sqliteOffline(storage),
    archive: sqliteArchive(storage),
    smPending: sqliteSmPending(storage),
    ampPending: sqliteAmpPending(storage),
    pushRegistrations: sqlitePushRegistrations(storage),
    close: () => settle("close", () => storage.close()),
  }
}

/**
 * Opens (creating when absent) the SQLite database at `file` (`":memory:"` for a throwaway
 * one) and applies every migration. Example: `await openSqliteBackend(join(dataDir, "xmpp-amp.sqlite"))`.
 */
export const openSqliteBackend = (file: string): Promise<Outcome<StorageBackend>> =>
  settle("open", () => {
    const storage = openSqliteStorage(file)
    try {
      return sqliteBackendOn(storage)
    } catch (error) {
      storage.close()
      throw error
    }
  })
