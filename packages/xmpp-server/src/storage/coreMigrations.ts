// The server's own tables in the embedded SQLite database (spec/server.md "Storage"): users
// with their SCRAM keys (RFC 5802) and RFC 6121 roster items, one row per item. Applied
// through the same `migrate` mechanism modules use, under the module name "core".
// Append new migrations at the end; never edit one that has shipped.

/** The module name the core tables are migrated under. */
export const coreModule = "core"

/** Core schema migrations, applied once each in order. */
export const coreMigrations: ReadonlyArray<string> = [
  `CREATE TABLE users (
     username TEXT PRIMARY KEY NOT NULL,
     sha1_salt TEXT NOT NULL,
     sha1_iterations INTEGER NOT NULL CHECK (sha1_iterations > 0),
     sha1_stored_key TEXT NOT NULL,
     sha1_server_key TEXT NOT NULL,
     sha256_salt TEXT NOT NULL,
     sha256_iterations INTEGER NOT NULL CHECK (sha256_iterations > 0),
     sha256_stored_key TEXT NOT NULL,
     sha256_server_key TEXT NOT NULL,
     created_at INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE roster (
     username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
     jid TEXT NOT NULL,
     name TEXT,
     subscription TEXT NOT NULL CHECK (subscription IN ('none', 'to', 'from', 'both')),
     ask_out INTEGER NOT NULL CHECK (ask_out IN (0, 1)),
     pending_in TEXT,
     groups TEXT NOT NULL DEFAULT '[]',
     PRIMARY KEY (username, jid)
   ) STRICT;`,
]
