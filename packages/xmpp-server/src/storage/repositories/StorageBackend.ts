// One storage backend (issue 22, spec/cluster.md "Storage"): a repository per concern, the
// schema migration and the close. SQLite (src/storage/sqlite) and PostgreSQL
// (src/storage/postgres) implement it; modules depend on the repositories, never on a
// connection or a SQL dialect. A new backend is a new folder with one file per repository.
import type { AccountRepository } from "./AccountRepository.js"
import type { AmpPendingRepository } from "./AmpPendingRepository.js"
import type { ArchiveRepository } from "./ArchiveRepository.js"
import type { OfflineRepository } from "./OfflineRepository.js"
import type { Outcome } from "./Outcome.js"
import type { PushRegistrationRepository } from "./PushRegistrationRepository.js"
import type { RosterRepository } from "./RosterRepository.js"
import type { SmPendingRepository } from "./SmPendingRepository.js"

/** Every repository of one database. */
export interface Repositories {
  readonly accounts: AccountRepository
  readonly roster: RosterRepository
  readonly offline: OfflineRepository
  readonly archive: ArchiveRepository
  readonly smPending: SmPendingRepository
  readonly ampPending: AmpPendingRepository
  readonly pushRegistrations: PushRegistrationRepository
}

/**
 * An open database with its repositories. Example:
 * `const backend = await openPostgresBackend({ url }); if (failed(backend)) exit(backend.message)`,
 * then `await backend.accounts.count()`, and `await backend.close()` at stop.
 */
export interface StorageBackend extends Repositories {
  /** "sqlite" or "postgres", for logs. */
  readonly kind: "sqlite" | "postgres"
  /** Closes the connections; what was committed stays. Example: `await backend.close()`. */
  close(): Promise<Outcome<void>>
}
