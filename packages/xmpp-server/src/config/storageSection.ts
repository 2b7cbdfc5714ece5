// Reads the `[storage]` table (spec/cluster.md "Storage", issue 22): which backend holds the
// server's data — the embedded SQLite file in data_dir (the default, nothing to set up) or a
// PostgreSQL database at `url` with a pool of `pool_size` connections. The environment
// variable XMPP_AMP_DATABASE_URL wins over `url` (keeps a password out of the file).
import type { Fields, Table } from "./fields.js"
import type { StorageBackendKind, StorageSection } from "./ServerConfig.js"

/** The environment variable whose value replaces `[storage] url`. */
export const databaseUrlVariable = "XMPP_AMP_DATABASE_URL"

const backends: ReadonlyArray<StorageBackendKind> = ["sqlite", "postgres"]

/** Whether `url` names a PostgreSQL database (`postgres://…` or `postgresql://…`). */
export const isPostgresUrl = (url: string): boolean =>
  /^postgres(ql)?:\/\/\S*$/u.test(url) && url.length > "postgres://".length

/**
 * Validates `[storage]`; throws `ConfigError` naming `storage.KEY`. `environment` is read for
 * XMPP_AMP_DATABASE_URL. Example: `storageSection(fields, { backend: "postgres", url }, process.env)`.
 */
export const storageSection = (
  fields: Fields,
  raw: Table,
  environment: Readonly<Record<string, string | undefined>>,
): StorageSection => {
  const path = "storage"
  fields.onlyKeys(raw, path, ["backend", "url", "pool_size"])
  const backend = fields.oneOf(raw, path, "backend", "sqlite", backends)
  const fromFile = fields.optionalString(raw, path, "url")
  const fromEnvironment = environment[databaseUrlVariable]
  const url = fromEnvironment !== undefined && fromEnvironment !== "" ? fromEnvironment : fromFile
  if (url !== undefined && !isPostgresUrl(url)) {
    const where = url === fromFile ? "" : ` (from ${databaseUrlVariable})`
    fields.fail(
      "storage.url",
      `not a PostgreSQL URL${where}: expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE or postgresql://…`,
    )
  }
  if (backend === "postgres" && url === undefined)
    fields.fail(
      "storage.url",
      `missing: backend = "postgres" needs url = "postgres://USER@HOST:PORT/DATABASE" (or ${databaseUrlVariable})`,
    )
  return {
    backend,
    url,
    pool_size: fields.integer(raw, path, "pool_size", 10, [1, 1000]),
  }
}
