// The tables behind each dump record (src/storage/repositories/DumpRepository.ts): table name,
// columns with their kind, key order, and whether a sequence column must be carried over. Both
// backends' dumps read and write these columns; `columnValue` turns what a driver answers
// (SQLite: 0/1 and JSON text; PostgreSQL: BIGINT as text, BOOLEAN, parsed JSONB) into the
// record's plain JSON value.
import type { DumpRecord } from "./repositories/DumpRepository.js"

/** How a column is written in a record. */
export type ColumnKind = "text" | "text?" | "integer" | "boolean" | "strings" | "json?"

/** One table of the dump. */
export interface DumpTable {
  readonly type: DumpRecord["type"]
  readonly table: string
  readonly columns: Readonly<Record<string, ColumnKind>>
  /** Key columns, in export order (compared bytewise on both backends). */
  readonly key: ReadonlyArray<string>
  /** The identity/autoincrement column whose values are kept (archive and offline order). */
  readonly sequence?: string
  /** Columns naming the account the row belongs to (must be an account of the dump). */
  readonly owner?: string
}

const scram = (hash: "sha1" | "sha256"): Record<string, ColumnKind> => ({
  [`${hash}_salt`]: "text",
  [`${hash}_iterations`]: "integer",
  [`${hash}_stored_key`]: "text",
  [`${hash}_server_key`]: "text",
})

/** Every table, in import order (accounts first: the others reference them). */
export const dumpTables: ReadonlyArray<DumpTable> = [
  {
    type: "account",
    table: "users",
    columns: { username: "text", ...scram("sha1"), ...scram("sha256"), created_at: "integer" },
    key: ["username"],
  },
  {
    type: "roster",
    table: "roster",
    columns: {
      username: "text",
      jid: "text",
      name: "text?",
      subscription: "text",
      ask_out: "boolean",
      pending_in: "text?",
      groups: "strings",
    },
    key: ["username", "jid"],
    owner: "username",
  },
  {
    type: "offline",
    table: "offline_messages",
    columns: {
      seq: "integer",
      username: "text",
      stanza: "text",
      extra: "text?",
      message_key: "text?",
      stored_at: "integer",
    },
    key: ["seq"],
    sequence: "seq",
    owner: "username",
  },
  {
    type: "archive",
    table: "mam_messages",
    columns: {
      seq: "integer",
      id: "text",
      username: "text",
      direction: "text",
      peer: "text",
      peer_full: "text",
      stanza: "text",
      message_key: "text?",
      stamp: "integer",
    },
    key: ["seq"],
    sequence: "seq",
    owner: "username",
  },
  {
    type: "mam_prefs",
    table: "mam_prefs",
    columns: { username: "text", default_mode: "text", always: "strings", never: "strings" },
    key: ["username"],
    owner: "username",
  },
  {
    type: "sm_pending",
    table: "sm_pending",
    columns: {
      seq: "integer",
      username: "text",
      resource: "text",
      stanza_xml: "text",
      created_at: "integer",
    },
    key: ["seq"],
    owner: "username",
  },
  {
    type: "amp_pending",
    table: "amp_pending",
    columns: { id: "text", recipient: "text", expires_at: "integer", data: "text" },
    key: ["id"],
  },
  {
    type: "push_registration",
    table: "push_registrations",
    columns: {
      username: "text",
      user: "text",
      service: "text",
      node: "text",
      publish_options: "json?",
      last_used: "integer",
      error_count: "integer",
    },
    key: ["user", "service", "node"],
    owner: "username",
  },
]

/** The table of a record type. */
export const dumpTableOf = (type: DumpRecord["type"]): DumpTable => {
  const table = dumpTables.find((candidate) => candidate.type === type)
  if (table === undefined) throw new Error(`no dump table for ${type}`)
  return table
}

/** A driver's value of a column as the record's JSON value. */
export const columnValue = (kind: ColumnKind, value: unknown): unknown => {
  if (value === null || value === undefined) return null
  switch (kind) {
    case "integer":
      return Number(value)
    case "boolean":
      return value === true || value === 1 || value === 1n
    case "strings":
    case "json?":
      return typeof value === "string" ? JSON.parse(value) : value
    default:
      return value
  }
}

/** A driver's row as the record of `table`. */
export const recordOf = (table: DumpTable, row: Readonly<Record<string, unknown>>): DumpRecord => {
  const record: Record<string, unknown> = { type: table.type }
  for (const [column, kind] of Object.entries(table.columns))
    record[column] = columnValue(kind, row[column])
  return record as unknown as DumpRecord
}

/** A record's column value as a parameter: JSON columns as JSON text, flags as `asFlag` says. */
export const parameterOf = (
  kind: ColumnKind,
  value: unknown,
  asFlag: (flag: boolean) => unknown,
): unknown => {
  if (value === null || value === undefined) return null
  if (kind === "strings" || kind === "json?") return JSON.stringify(value)
  if (kind === "boolean") return asFlag(value === true)
  return value
}
