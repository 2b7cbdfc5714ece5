// The PostgreSQL schema (spec/cluster.md "Storage"): the same tables, columns and indexes as the
// SQLite database (src/storage/coreMigrations.ts and the modules' migrations), in PostgreSQL's
// types: BIGINT milliseconds, identity columns for arrival order, BOOLEAN and JSONB where SQLite
// keeps 0/1 and JSON text. Recorded per module under the same names as on SQLite.
// Append new migrations at the end; never edit one that has shipped.

/** Each module's migrations, applied once each in order. */
export const postgresMigrations: ReadonlyArray<{
  readonly module: string
  readonly steps: ReadonlyArray<string>
}> = [
  {
    module: "core",
    steps: [
      `CREATE TABLE users (
         username TEXT PRIMARY KEY,
         sha1_salt TEXT NOT NULL,
         sha1_iterations INTEGER NOT NULL CHECK (sha1_iterations > 0),
         sha1_stored_key TEXT NOT NULL,
         sha1_server_key TEXT NOT NULL,
         sha256_salt TEXT NOT NULL,
         sha256_iterations INTEGER NOT NULL CHECK (sha256_iterations > 0),
         sha256_stored_key TEXT NOT NULL,
         sha256_server_key TEXT NOT NULL,
         created_at BIGINT NOT NULL);
       CREATE TABLE roster (
         username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
         jid TEXT NOT NULL,
         name TEXT,
         subscription TEXT NOT NULL CHECK (subscription IN ('none', 'to', 'from', 'both')),
         ask_out BOOLEAN NOT NULL,
         pending_in TEXT,
         groups JSONB NOT NULL DEFAULT '[]',
         PRIMARY KEY (username, jid));`,
    ],
  },
  {
    module: "offline",
    steps: [
      `CREATE TABLE offline_messages (
         seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
         stanza TEXT NOT NULL,
         extra TEXT,
         message_key TEXT,
         stored_at BIGINT NOT NULL);
       CREATE INDEX offline_messages_by_user ON offline_messages (username, seq);`,
    ],
  },
  {
    module: "mam",
    steps: [
      `CREATE TABLE mam_messages (
         seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         id TEXT NOT NULL UNIQUE,
         username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
         direction TEXT NOT NULL,
         peer TEXT NOT NULL,
         peer_full TEXT NOT NULL,
         stanza TEXT NOT NULL,
         message_key TEXT,
         stamp BIGINT NOT NULL);
       CREATE INDEX mam_messages_by_user ON mam_messages (username, seq);
       CREATE INDEX mam_messages_by_peer ON mam_messages (username, peer, seq);
       CREATE TABLE mam_prefs (
         username TEXT PRIMARY KEY REFERENCES users (username) ON DELETE CASCADE,
         default_mode TEXT NOT NULL,
         always JSONB NOT NULL,
         never JSONB NOT NULL);`,
      // Bytes each user's archive holds (UTF-8 of the archived stanzas), for the byte quota,
      // kept by statement triggers (one upsert per user and statement, also for a batch of
      // copies), as SQLite's `mam_usage` (src/storage/usageTriggers.ts); stamps indexed for
      // the expiry sweep.
      `CREATE TABLE mam_usage (
         username TEXT PRIMARY KEY REFERENCES users (username) ON DELETE CASCADE,
         bytes BIGINT NOT NULL);
       INSERT INTO mam_usage (username, bytes)
         SELECT username, sum(octet_length(stanza)) FROM mam_messages GROUP BY username;
       CREATE FUNCTION mam_usage_added() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         INSERT INTO mam_usage (username, bytes)
           SELECT username, sum(octet_length(stanza)) FROM added GROUP BY username
           ON CONFLICT (username) DO UPDATE SET bytes = mam_usage.bytes + excluded.bytes;
         RETURN NULL;
       END $$;
       CREATE FUNCTION mam_usage_removed() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         UPDATE mam_usage SET bytes = mam_usage.bytes - gone.bytes
           FROM (SELECT username, sum(octet_length(stanza)) AS bytes FROM removed
                 GROUP BY username) AS gone
           WHERE mam_usage.username = gone.username;
         RETURN NULL;
       END $$;
       CREATE TRIGGER mam_usage_added AFTER INSERT ON mam_messages
         REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION mam_usage_added();
       CREATE TRIGGER mam_usage_removed AFTER DELETE ON mam_messages
         REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION mam_usage_removed();
       CREATE INDEX mam_messages_by_stamp ON mam_messages (stamp);`,
    ],
  },
  {
    module: "stream_management",
    steps: [
      `CREATE TABLE sm_pending (
         seq BIGINT PRIMARY KEY,
         username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
         resource TEXT NOT NULL,
         stanza_xml TEXT NOT NULL,
         created_at BIGINT NOT NULL);`,
      // Nodes sharing the database (spec/cluster.md): each row names the node that owns it
      // (src/sm/SmNode.ts; rows already there belong to the single node), and each process
      // numbers its rows inside a block of 2^32 seq values: block b is [b * 2^32, (b + 1) * 2^32),
      // taken with nextval (blocks start above every seq already there; at most 2^21 blocks
      // keep every seq a safe JavaScript integer).
      `ALTER TABLE sm_pending ADD COLUMN node TEXT NOT NULL DEFAULT 'standalone';
       CREATE INDEX sm_pending_by_node ON sm_pending (node, seq);
       CREATE SEQUENCE sm_pending_blocks MINVALUE 1 MAXVALUE 2097151;
       SELECT setval('sm_pending_blocks',
         (SELECT COALESCE(MAX(seq), 0) FROM sm_pending) / 4294967296 + 1, false);`,
    ],
  },
  {
    module: "amp",
    steps: [
      `CREATE TABLE amp_pending (
         id TEXT PRIMARY KEY,
         recipient TEXT NOT NULL,
         expires_at BIGINT NOT NULL,
         data TEXT NOT NULL);
       CREATE INDEX amp_pending_due ON amp_pending (expires_at);
       CREATE INDEX amp_pending_recipient ON amp_pending (recipient);`,
      // Nodes sharing the table claim a row before firing it (PostgresAmpPending.ts): who, and
      // until when (the database's clock, epoch ms); NULL: nobody.
      `ALTER TABLE amp_pending ADD COLUMN claimed_by TEXT, ADD COLUMN claimed_until BIGINT;`,
    ],
  },
  {
    module: "push",
    steps: [
      `CREATE TABLE push_registrations (
         username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
         "user" TEXT NOT NULL,
         service TEXT NOT NULL,
         node TEXT NOT NULL,
         publish_options JSONB,
         last_used BIGINT NOT NULL,
         error_count INTEGER NOT NULL,
         PRIMARY KEY ("user", service, node));`,
    ],
  },
]
