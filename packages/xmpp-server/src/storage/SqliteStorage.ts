// The embedded storage service (spec/server.md "Storage"): one SQLite file in data_dir through
// better-sqlite3, in WAL mode with synchronous=FULL so that every call has been committed
// durably when it returns (roster.write: when its callback runs). Users and RFC 6121 rosters
// here; modules add tables via `migrate`. A new database file is created 0600, in a directory
// created 0700 when missing (SQLite gives its -wal and -shm files the database file's mode);
// the server's start tightens existing ones (src/storage/PrivateFiles.ts).
import { basename, dirname, join } from "node:path"
import Database from "better-sqlite3"
import { coreMigrations, coreModule } from "./coreMigrations.js"
import { makePrivateDirectory, makePrivateFile } from "./PrivateFiles.js"
import { RosterCache } from "./RosterCache.js"
import {
  type QueuedRosterWrite,
  RosterWriteBatch,
  type RosterWriteOutcome,
} from "./RosterWriteBatch.js"
import { type UserRow, userOf } from "./RowValues.js"
import {
  type RosterItem,
  type SqlAccess,
  type SqlParameters,
  StorageError,
  type StorageShape,
  type Subscription,
  type UserRecord,
} from "./Storage.js"
import { guarded } from "./sqliteError.js"

interface RosterRow {
  readonly jid: string
  readonly name: string | null
  readonly subscription: Subscription
  readonly ask_out: number
  readonly pending_in: string | null
  readonly groups: string
}

const userParameters = (user: UserRecord) => ({
  username: user.username,
  sha1_salt: user.scram_sha_1.salt,
  sha1_iterations: user.scram_sha_1.iterations,
  sha1_stored_key: user.scram_sha_1.stored_key,
  sha1_server_key: user.scram_sha_1.server_key,
  sha256_salt: user.scram_sha_256.salt,
  sha256_iterations: user.scram_sha_256.iterations,
  sha256_stored_key: user.scram_sha_256.stored_key,
  sha256_server_key: user.scram_sha_256.server_key,
})

/**
 * The items of rows read together. Rows of one roster mostly share a few group lists ("[]",
 * '["Friends"]'): each distinct list is parsed once (a roster of thousands of items is read in
 * one event-loop turn, so this is most of its cost).
 */
const rosterItemsOf = (rows: ReadonlyArray<RosterRow>): ReadonlyArray<RosterItem> => {
  const groupLists = new Map<string, ReadonlyArray<string>>()
  return rows.map((row) => {
    let groups = groupLists.get(row.groups)
    if (groups === undefined) {
      groups = JSON.parse(row.groups) as ReadonlyArray<string>
      groupLists.set(row.groups, groups)
    }
    return {
      jid: row.jid,
      name: row.name ?? undefined,
      subscription: row.subscription,
      ask_out: row.ask_out === 1,
      pending_in: row.pending_in ?? undefined,
      groups,
    }
  })
}

/** Rosters kept in memory (users; the one read first is dropped first, see RosterCache). */
const rosterCacheCapacity = 10_000
/** How stale a cached roster may be after another process (the CLI) wrote the database. */
const externalWritesCheckMilliseconds = 1000

/** The files SQLite keeps beside the database in WAL mode. */
const databaseSideFiles = ["-wal", "-shm"] as const

const openDatabase = (file: string): Database.Database => {
  try {
    if (file !== ":memory:") {
      makePrivateDirectory(dirname(file))
      makePrivateFile(file)
    }
    const database = new Database(file)
    database.pragma("journal_mode = WAL")
    database.pragma("synchronous = FULL")
    database.pragma("foreign_keys = ON")
    database.pragma("busy_timeout = 5000")
    return database
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const reason = /not a database|malformed/i.test(message) ? "corrupt" : "io"
    throw new StorageError(`open ${file}`, reason, message)
  }
}

/** Applies `migrations` of `module` that are not recorded yet, each in its own transaction. */
const migrateWith =
  (database: Database.Database) =>
  (module: string, migrations: ReadonlyArray<string>): void =>
    guarded(`migrate ${module}`, () => {
      const applied = database
        .prepare<[string], { readonly count: number }>(
          "SELECT count(*) AS count FROM schema_migrations WHERE module = ?",
        )
        .get(module)?.count
      const done = applied ?? 0
      if (done > migrations.length) {
        throw new StorageError(
          `migrate ${module}`,
          "corrupt",
          `the database has ${done} migrations for "${module}" but this server knows only ${migrations.length}; it was written by a newer version`,
        )
      }
      const record = database.prepare(
        "INSERT INTO schema_migrations (module, step, applied_at) VALUES (?, ?, ?)",
      )
      migrations.slice(done).forEach((sql, offset) => {
        database.transaction(() => {
          database.exec(sql)
          record.run(module, done + offset, Date.now())
        })()
      })
    })

/** The database and its side files, by name inside data_dir (each kept 0600). */
export const databaseFileNames = (dataDir: string): ReadonlyArray<string> => {
  const name = basename(databaseFile(dataDir))
  return [name, ...databaseSideFiles.map((suffix) => `${name}${suffix}`)]
}

/** The database file the server keeps in data_dir. Example: `databaseFile("/var/lib/xmpp")`. */
export const databaseFile = (dataDir: string): string => join(dataDir, "xmpp-amp.sqlite")

/** `SqlAccess` over `database`, caching one prepared statement per SQL text. */
const sqlAccessOf = (database: Database.Database): SqlAccess => {
  const statements = new Map<string, Database.Statement>()
  const prepared = (sql: string): Database.Statement => {
    const cached = statements.get(sql)
    if (cached !== undefined) return cached
    const statement = database.prepare(sql)
    statements.set(sql, statement)
    return statement
  }
  const bind = (parameters: SqlParameters | undefined): ReadonlyArray<unknown> =>
    parameters === undefined ? [] : Array.isArray(parameters) ? parameters : [parameters]
  return {
    run: (sql, parameters) =>
      guarded("sql.run", () => ({ changes: prepared(sql).run(...bind(parameters)).changes })),
    get: <Row>(sql: string, parameters?: SqlParameters) =>
      guarded("sql.get", () => prepared(sql).get(...bind(parameters)) as Row | undefined),
    all: <Row>(sql: string, parameters?: SqlParameters) =>
      guarded("sql.all", () => prepared(sql).all(...bind(parameters)) as ReadonlyArray<Row>),
  }
}

/**
 * Opens (creating when absent) the SQLite database at `file` (`":memory:"` for a throwaway
 * one) and applies the core migrations. Throws `StorageError`.
 * Example: `const storage = openSqliteStorage(join(dataDir, "xmpp-amp.sqlite"))`.
 */
export const openSqliteStorage = (file: string): StorageShape => {
  const database = openDatabase(file)
  guarded("open", () =>
    database.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      module TEXT NOT NULL, step INTEGER NOT NULL, applied_at INTEGER NOT NULL,
      PRIMARY KEY (module, step)) STRICT`),
  )
  const migrate = migrateWith(database)
  migrate(coreModule, coreMigrations)

  const insertUser = database.prepare(
    `INSERT INTO users (username, sha1_salt, sha1_iterations, sha1_stored_key, sha1_server_key,
       sha256_salt, sha256_iterations, sha256_stored_key, sha256_server_key, created_at)
     VALUES (@username, @sha1_salt, @sha1_iterations, @sha1_stored_key, @sha1_server_key,
       @sha256_salt, @sha256_iterations, @sha256_stored_key, @sha256_server_key, @created_at)
     ON CONFLICT (username) DO NOTHING`,
  )
  const selectUser = database.prepare<[string], UserRow>("SELECT * FROM users WHERE username = ?")
  const updateUser = database.prepare(
    `UPDATE users SET sha1_salt = @sha1_salt, sha1_iterations = @sha1_iterations,
       sha1_stored_key = @sha1_stored_key, sha1_server_key = @sha1_server_key,
       sha256_salt = @sha256_salt, sha256_iterations = @sha256_iterations,
       sha256_stored_key = @sha256_stored_key, sha256_server_key = @sha256_server_key
     WHERE username = @username`,
  )
  const deleteUser = database.prepare("DELETE FROM users WHERE username = ?")
  const countUsers = database.prepare<[], { readonly count: number }>(
    "SELECT count(*) AS count FROM users",
  )
  const listRoster = database.prepare<[string], RosterRow>(
    "SELECT * FROM roster WHERE username = ? ORDER BY jid",
  )
  const upsertRosterItem = database.prepare(
    `INSERT INTO roster (username, jid, name, subscription, ask_out, pending_in, groups)
     VALUES (@username, @jid, @name, @subscription, @ask_out, @pending_in, @groups)
     ON CONFLICT (username, jid) DO UPDATE SET name = excluded.name,
       subscription = excluded.subscription, ask_out = excluded.ask_out,
       pending_in = excluded.pending_in, groups = excluded.groups`,
  )
  const deleteRosterItem = database.prepare("DELETE FROM roster WHERE username = ? AND jid = ?")
  const storeItem = (username: string, item: RosterItem): void => {
    upsertRosterItem.run({
      username,
      jid: item.jid,
      name: item.name ?? null,
      subscription: item.subscription,
      ask_out: item.ask_out ? 1 : 0,
      pending_in: item.pending_in ?? null,
      groups: JSON.stringify(item.groups),
    })
  }
  const applyWrite = (write: QueuedRosterWrite): void => {
    if (write.change.kind === "put") storeItem(write.username, write.change.item)
    else deleteRosterItem.run(write.username, write.change.contact)
  }
  /** One transaction for the batch; a write that fails alone does not fail the others. */
  const commitWrites = (
    writes: ReadonlyArray<QueuedRosterWrite>,
  ): ReadonlyArray<RosterWriteOutcome> => {
    const outcomes: Array<RosterWriteOutcome> = []
    try {
      guarded("roster.write", () =>
        database.transaction(() => {
          for (const write of writes) {
            try {
              guarded("roster.write", () => applyWrite(write))
              outcomes.push({ ok: true })
            } catch (error) {
              outcomes.push({ ok: false, error: error as StorageError })
            }
          }
        })(),
      )
    } catch (error) {
      outcomes.length = 0
      for (const _ of writes) outcomes.push({ ok: false, error: error as StorageError })
    }
    // What reads saw of a failed write is not in the database: read those rosters again.
    writes.forEach((write, index) => {
      if (outcomes[index]?.ok !== true) rosters.forget(write.username)
    })
    return outcomes
  }
  const batch = new RosterWriteBatch(commitWrites)
  const dataVersion = database.prepare<[], number>("PRAGMA data_version").pluck()
  let seenVersion = dataVersion.get()
  let versionCheckedAt = Date.now()
  const rosters = new RosterCache(
    {
      load: (username) => {
        // A queued write of this user must be in the database before it is read from there.
        batch.flush()
        return rosterItemsOf(guarded("roster.list", () => listRoster.all(username)))
      },
      changedElsewhere: () => {
        // Asking SQLite costs as much as the lookup it saves: at most once a second.
        const now = Date.now()
        if (now - versionCheckedAt < externalWritesCheckMilliseconds) return false
        versionCheckedAt = now
        const version = guarded("roster.get", () => dataVersion.get())
        if (version === seenVersion) return false
        seenVersion = version
        return true
      },
    },
    rosterCacheCapacity,
  )

  return {
    users: {
      create: (user) => {
        rosters.forget(user.username)
        return (
          guarded("users.create", () =>
            insertUser.run({ ...userParameters(user), created_at: Date.now() }),
          ).changes === 1
        )
      },
      get: (username) => {
        const row = guarded("users.get", () => selectUser.get(username))
        return row === undefined ? undefined : userOf(row)
      },
      setCredentials: (user) =>
        guarded("users.setCredentials", () => updateUser.run(userParameters(user))).changes === 1,
      delete: (username) => {
        batch.flush()
        rosters.forget(username)
        return guarded("users.delete", () => deleteUser.run(username)).changes === 1
      },
      count: () => guarded("users.count", () => countUsers.get()?.count ?? 0),
    },
    roster: {
      list: (username) => rosters.list(username),
      get: (username, contact) => rosters.get(username, contact),
      count: (username) => rosters.count(username),
      put: (username, item) => {
        batch.flush()
        guarded("roster.put", () => storeItem(username, item))
        rosters.put(username, item)
      },
      remove: (username, contact) => {
        batch.flush()
        const removed =
          guarded("roster.remove", () => deleteRosterItem.run(username, contact)).changes === 1
        rosters.remove(username, contact)
        return removed
      },
      write: (username, change, settled) => {
        if (change.kind === "put") rosters.put(username, change.item)
        else rosters.remove(username, change.contact)
        const write = { username, change, settled }
        // Inside a caller's transaction the write belongs to it (and is rolled back with it).
        if (!database.inTransaction) return batch.add(write)
        try {
          guarded("roster.write", () => applyWrite(write))
          settled?.({ ok: true })
        } catch (error) {
          rosters.forget(username)
          settled?.({ ok: false, error: error as StorageError })
        }
      },
    },
    migrate,
    sql: sqlAccessOf(database),
    transaction: (work) => {
      batch.flush()
      try {
        return guarded("transaction", () => database.transaction(work)())
      } catch (error) {
        // Rolled back: cached rosters may hold what the transaction wrote.
        rosters.clear()
        throw error
      }
    },
    close: () => {
      batch.flush()
      guarded("close", () => database.close())
    },
  }
}
