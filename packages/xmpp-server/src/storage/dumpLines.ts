// The dump file of `xmpp-amp-server export` / `import` (issue 22 item 4): JSON lines, the first
// a header with the format's name and version, then one record per row
// (src/storage/repositories/DumpRepository.ts). `parseDump` checks every line before anything
// is written — JSON, record type, every column's type, known keys only, no duplicate keys, and
// that each row's account is in the file — and names the line of each mistake.
import { type ColumnKind, type DumpTable, dumpTables } from "./dumpTables.js"
import type { DumpRecord } from "./repositories/DumpRepository.js"

/** The format name in the header line. */
export const dumpFormat = "xmpp-amp-dump"
/** The version this server writes and reads. */
export const dumpFormatVersion = 1

/** The first line of a dump. */
export interface DumpHeader {
  readonly type: "header"
  readonly format: typeof dumpFormat
  readonly version: number
  readonly backend: string
  readonly exported_at: string
}

/** The header for a dump of `backend` written now. */
export const dumpHeader = (backend: string, now: Date = new Date()): DumpHeader => ({
  type: "header",
  format: dumpFormat,
  version: dumpFormatVersion,
  backend,
  exported_at: now.toISOString(),
})

/** What `parseDump` answers: the records, or the mistakes (each naming its line). */
export type ParsedDump =
  | { readonly ok: true; readonly header: DumpHeader; readonly records: ReadonlyArray<DumpRecord> }
  | { readonly ok: false; readonly errors: ReadonlyArray<string> }

const subscriptions = ["none", "to", "from", "both"]
/** Errors reported at most (the rest are counted). */
const maxErrors = 20

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const kindError = (kind: ColumnKind, value: unknown): string | undefined => {
  switch (kind) {
    case "text":
      return typeof value === "string" ? undefined : "expected a string"
    case "text?":
      return value === null || typeof value === "string" ? undefined : "expected a string or null"
    case "integer":
      return Number.isSafeInteger(value) ? undefined : "expected an integer"
    case "boolean":
      return typeof value === "boolean" ? undefined : "expected true or false"
    case "strings":
      return Array.isArray(value) && value.every((item) => typeof item === "string")
        ? undefined
        : "expected a list of strings"
    case "json?":
      return value === null || isObject(value) ? undefined : "expected an object or null"
  }
}

const recordErrors = (table: DumpTable, value: Record<string, unknown>): ReadonlyArray<string> => {
  const errors: Array<string> = []
  for (const key of Object.keys(value))
    if (key !== "type" && !(key in table.columns)) errors.push(`${table.type}.${key}: unknown key`)
  for (const [column, kind] of Object.entries(table.columns)) {
    const problem = value[column] === undefined ? "missing" : kindError(kind, value[column] ?? null)
    if (problem !== undefined) errors.push(`${table.type}.${column}: ${problem}`)
  }
  if (
    table.type === "roster" &&
    typeof value.subscription === "string" &&
    !subscriptions.includes(String(value.subscription))
  )
    errors.push(`roster.subscription: expected one of ${subscriptions.join(", ")}`)
  if (table.type === "account")
    for (const column of ["sha1_iterations", "sha256_iterations"])
      if (typeof value[column] === "number" && value[column] <= 0)
        errors.push(`account.${column}: must be positive`)
  return errors
}

const headerError = (value: unknown): string | undefined => {
  if (!isObject(value) || value.type !== "header" || value.format !== dumpFormat)
    return `not an xmpp-amp dump: the first line must be the header {"type":"header","format":"${dumpFormat}",…}`
  return value.version === dumpFormatVersion
    ? undefined
    : `dump format version ${JSON.stringify(value.version)} is not supported (this server reads version ${dumpFormatVersion})`
}

/**
 * Checks every line of a dump; blank lines are skipped. Example:
 * `const parsed = parseDump(text); if (!parsed.ok) console.error(parsed.errors.join("\n"))`.
 */
export const parseDump = (text: string): ParsedDump => {
  const errors: Array<string> = []
  const records: Array<DumpRecord> = []
  const keys = new Map<string, number>()
  const owners: Array<{ readonly username: string; readonly line: number; readonly type: string }> =
    []
  let header: DumpHeader | undefined
  let headerSeen = false
  const lines = text.split("\n")
  lines.forEach((raw, index) => {
    const line = index + 1
    const content = raw.trim()
    if (content === "") return
    const first = !headerSeen
    headerSeen = true
    let value: unknown
    try {
      value = JSON.parse(content)
    } catch (error) {
      errors.push(`line ${line}: not JSON (${error instanceof Error ? error.message : error})`)
      return
    }
    if (first) {
      const problem = headerError(value)
      if (problem === undefined) header = value as DumpHeader
      else errors.push(`line ${line}: ${problem}`)
      return
    }
    const table = isObject(value) ? dumpTables.find((each) => each.type === value.type) : undefined
    if (!isObject(value) || table === undefined) {
      const type = isObject(value) ? JSON.stringify(value.type) : "none"
      errors.push(
        `line ${line}: unknown record type ${type} (expected one of ${dumpTables.map((each) => each.type).join(", ")})`,
      )
      return
    }
    const problems = recordErrors(table, value)
    for (const problem of problems) errors.push(`line ${line}: ${problem}`)
    if (problems.length > 0) return
    const key = `${table.type}\u0000${table.key.map((column) => String(value[column])).join("\u0000")}`
    const earlier = keys.get(key)
    if (earlier !== undefined)
      errors.push(
        `line ${line}: the same ${table.type} (${table.key.join(", ")}) as line ${earlier}`,
      )
    keys.set(key, line)
    if (table.type === "archive") {
      const idKey = `archive-id\u0000${String(value.id)}`
      const sameId = keys.get(idKey)
      if (sameId !== undefined) errors.push(`line ${line}: the same archive id as line ${sameId}`)
      keys.set(idKey, line)
    }
    if (table.owner !== undefined)
      owners.push({ username: String(value[table.owner]), line, type: table.type })
    records.push(value as unknown as DumpRecord)
  })
  if (!headerSeen) errors.push("line 1: the dump is empty (no header line)")
  for (const owner of owners)
    if (!keys.has(`account\u0000${owner.username}`))
      errors.push(
        `line ${owner.line}: ${owner.type} of "${owner.username}", who has no account line`,
      )
  if (errors.length > 0 || header === undefined) {
    const shown = errors.slice(0, maxErrors)
    if (errors.length > maxErrors) shown.push(`… and ${errors.length - maxErrors} more`)
    return { ok: false, errors: shown }
  }
  return { ok: true, header, records }
}
