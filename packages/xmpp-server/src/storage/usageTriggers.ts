// The byte-usage table a module keeps for its per-user byte quota: `<prefix>_usage` holds the
// bytes (UTF-8 of the stored stanzas) each user has in `<prefix>_messages`, filled from the rows
// already there and kept current by insert and delete triggers. One SQLite migration text.

/** The migration creating `<prefix>_usage` and its triggers over `<prefix>_messages`. */
export const usageTriggersSql = (prefix: "mam" | "offline"): string =>
  `CREATE TABLE ${prefix}_usage (
     username TEXT PRIMARY KEY REFERENCES users (username) ON DELETE CASCADE,
     bytes INTEGER NOT NULL) STRICT;
   INSERT INTO ${prefix}_usage (username, bytes)
     SELECT username, sum(length(CAST(stanza AS BLOB))) FROM ${prefix}_messages GROUP BY username;
   CREATE TRIGGER ${prefix}_usage_added AFTER INSERT ON ${prefix}_messages BEGIN
     INSERT INTO ${prefix}_usage (username, bytes)
       VALUES (new.username, length(CAST(new.stanza AS BLOB)))
       ON CONFLICT (username) DO UPDATE SET bytes = bytes + excluded.bytes;
   END;
   CREATE TRIGGER ${prefix}_usage_removed AFTER DELETE ON ${prefix}_messages BEGIN
     UPDATE ${prefix}_usage SET bytes = bytes - length(CAST(old.stanza AS BLOB))
       WHERE username = old.username;
   END;`
