// The whole PostgreSQL database as dump records and back (src/storage/repositories/
// DumpRepository.ts, `xmpp-amp-server export` / `import`). The export reads one consistent
// snapshot (a REPEATABLE READ, READ ONLY transaction), every table in key order with bytewise
// ("C") text order like SQLite's, the sequence tables a page at a time. The import runs in one
// transaction: the tables locked, the database checked empty, the rows inserted in chunks with
// their sequence values (OVERRIDING SYSTEM VALUE), and the identity sequences moved past them.
import pg from "pg"
import { inImportOrder, notEmptyError, quotedColumns } from "../dumpOrder.js"
import { type DumpTable, dumpTables, parameterOf, recordOf } from "../dumpTables.js"
import {
  countRecords,
  type DumpCounts,
  type DumpRecord,
  type DumpRepository,
} from "../repositories/DumpRepository.js"
import { type Outcome, settle } from "../repositories/Outcome.js"
import { postgresReason } from "./postgresError.js"

const pageSize = 1000
/** Rows per INSERT statement (at most 10 columns: well under PostgreSQL's 65535 parameters). */
const chunkSize = 500

const casts = {
  text: "text",
  "text?": "text",
  integer: "bigint",
  boolean: "boolean",
  strings: "jsonb",
  "json?": "jsonb",
} as const

const countsOf = async (client: pg.ClientBase): Promise<DumpCounts> => {
  const counts: Record<string, number> = {}
  for (const table of dumpTables) {
    const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table.table}`)
    counts[table.type] = Number(result.rows[0]?.n ?? 0)
  }
  return counts as DumpCounts
}

const insertChunk = async (
  client: pg.ClientBase,
  table: DumpTable,
  records: ReadonlyArray<DumpRecord>,
): Promise<void> => {
  const names = Object.keys(table.columns)
  const values: Array<unknown> = []
  const rows = records.map((record) => {
    const placeholders = names.map((column) => {
      const kind = table.columns[column] ?? "text"
      values.push(
        parameterOf(kind, (record as unknown as Record<string, unknown>)[column], (flag) => flag),
      )
      return `$${values.length}::${casts[kind]}`
    })
    return `(${placeholders.join(", ")})`
  })
  const overriding = table.sequence === undefined ? "" : " OVERRIDING SYSTEM VALUE"
  await client.query(
    `INSERT INTO ${table.table} (${quotedColumns(names)})${overriding} VALUES ${rows.join(", ")}`,
    values,
  )
}

const importInto = async (
  client: pg.ClientBase,
  records: ReadonlyArray<DumpRecord>,
): Promise<DumpCounts> => {
  await client.query(
    `LOCK TABLE ${dumpTables.map((table) => table.table).join(", ")} IN SHARE ROW EXCLUSIVE MODE`,
  )
  const refused = notEmptyError(await countsOf(client))
  if (refused !== undefined) throw refused
  const ordered = inImportOrder(records)
  for (const table of dumpTables) {
    const ofTable = ordered.filter((record) => record.type === table.type)
    for (let start = 0; start < ofTable.length; start += chunkSize)
      await insertChunk(client, table, ofTable.slice(start, start + chunkSize))
    if (table.sequence !== undefined)
      await client.query(
        `SELECT setval(pg_get_serial_sequence('${table.table}', '${table.sequence}'),
                       coalesce(max("${table.sequence}"), 0) + 1, false) FROM ${table.table}`,
      )
  }
  return countRecords(records)
}

/**
 * The dump of the PostgreSQL database at `url`, on its own small pool (open the backend first:
 * it migrates). Example: `const dump = postgresDump(url); await dump.counts(); await dump.close()`.
 */
export const postgresDump = (url: string): DumpRepository => {
  const pool = new pg.Pool({ connectionString: url, max: 2 })
  pool.on("error", () => undefined)
  // A connection that fails while checked out fails the statement in progress; no stray event.
  pool.on("connect", (client) => client.on("error", () => undefined))
  return {
    counts: () =>
      settle(
        "dump.counts",
        async () => {
          const client = await pool.connect()
          try {
            return await countsOf(client)
          } finally {
            client.release()
          }
        },
        postgresReason,
      ),
    exportAll: async function* (): AsyncGenerator<Outcome<DumpRecord>> {
      const client = await settle("dump.export", () => pool.connect(), postgresReason)
      if (client instanceof Error) return yield client
      try {
        const begun = await settle(
          "dump.export",
          () => client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"),
          postgresReason,
        )
        if (begun instanceof Error) return yield begun
        for (const table of dumpTables) {
          const columns = quotedColumns(Object.keys(table.columns))
          const sequence = table.sequence
          const order = table.key
            .map((column) =>
              table.columns[column] === "integer" ? `"${column}"` : `"${column}" COLLATE "C"`,
            )
            .join(", ")
          let after = Number.MIN_SAFE_INTEGER
          for (;;) {
            const statement =
              sequence === undefined
                ? `SELECT ${columns} FROM ${table.table} ORDER BY ${order}`
                : `SELECT ${columns} FROM ${table.table} WHERE "${sequence}" > $1 ORDER BY "${sequence}" LIMIT ${pageSize}`
            const result = await settle(
              `dump.export.${table.type}`,
              () => client.query(statement, sequence === undefined ? [] : [after]),
              postgresReason,
            )
            if (result instanceof Error) return yield result
            for (const row of result.rows) yield recordOf(table, row)
            if (sequence === undefined || result.rows.length < pageSize) break
            after = Number(result.rows[result.rows.length - 1]?.[sequence])
          }
        }
      } finally {
        await client.query("ROLLBACK").catch(() => undefined)
        client.release()
      }
    },
    importAll: (records) =>
      settle(
        "dump.import",
        async () => {
          const client = await pool.connect()
          try {
            await client.query("BEGIN")
            const counts = await importInto(client, records)
            await client.query("COMMIT")
            return counts
          } catch (error) {
            await client.query("ROLLBACK").catch(() => undefined)
            throw error
          } finally {
            client.release()
          }
        },
        postgresReason,
      ),
    close: () => settle("dump.close", () => pool.end(), postgresReason),
  }
}
