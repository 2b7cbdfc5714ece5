// XEP-0313 §4 queries with XEP-0059 paging as SQL both backends run: the `with`/`start`/`end`
// filter (copies past `archive_expires_after` left out), the RSM anchor looked up by archive
// id, one page in archive order (forwards after `after`, backwards before `before`, an empty
// `before` for the last page), the total count, the page's first index, and whether it reaches
// the end. Only the placeholders differ between dialects (`?` or `$1`).
import type { ArchivePage, ArchiveQuery } from "./repositories/ArchiveRepository.js"

/** Runs one statement with positional values and answers its rows. */
export type RunQuery = (
  sql: string,
  values: ReadonlyArray<string | number>,
) => Promise<ReadonlyArray<Record<string, unknown>>>

/** "?" for SQLite, "$n" for PostgreSQL: the placeholder of the n-th value (from 1). */
export type Placeholder = (position: number) => string

const statement = (placeholder: Placeholder) => {
  const values: Array<string | number> = []
  const value = (item: string | number): string => {
    values.push(item)
    return placeholder(values.length)
  }
  return { values, value }
}

/** The filter of `query` for `owner`, as a WHERE clause built with `value`. */
const filterOf = (owner: string, query: ArchiveQuery, value: (item: string | number) => string) => {
  const where = [`username = ${value(owner)}`]
  if (query.expiredBefore !== undefined) where.push(`stamp >= ${value(query.expiredBefore)}`)
  if (query.with !== undefined)
    where.push(`${query.with.full ? "peer_full" : "peer"} = ${value(query.with.jid)}`)
  if (query.start !== undefined) where.push(`stamp >= ${value(query.start)}`)
  if (query.end !== undefined) where.push(`stamp <= ${value(query.end)}`)
  return where.join(" AND ")
}

/**
 * One page of `owner`'s archive. Example:
 * `await archivePage(run, (n) => `$${n}`, "juliet", { max: 10, after: id })`.
 */
export const archivePage = async (
  run: RunQuery,
  placeholder: Placeholder,
  owner: string,
  query: ArchiveQuery,
): Promise<ArchivePage> => {
  const countWhere = async (extra: "" | "<" | ">", seq?: number): Promise<number> => {
    const { values, value } = statement(placeholder)
    // Values in the order their placeholders appear (SQLite's "?" are positional).
    const filter = filterOf(owner, query, value)
    const bound = extra === "" || seq === undefined ? "" : ` AND seq ${extra} ${value(seq)}`
    const rows = await run(`SELECT count(*) AS n FROM mam_messages WHERE ${filter}${bound}`, values)
    return Number(rows[0]?.n ?? 0)
  }
  const backwards = query.before !== undefined
  const anchorId = backwards ? query.before : query.after
  let anchor: number | undefined
  if (anchorId !== undefined && anchorId !== "") {
    const found = await run(
      `SELECT seq FROM mam_messages WHERE username = ${placeholder(1)} AND id = ${placeholder(2)}`,
      [owner, anchorId],
    )
    if (found[0] === undefined) return { found: false, missingId: anchorId }
    anchor = Number(found[0].seq)
  }
  const count = await countWhere("")
  const { values, value } = statement(placeholder)
  const filter = filterOf(owner, query, value)
  const bound = anchor === undefined ? "" : ` AND seq ${backwards ? "<" : ">"} ${value(anchor)}`
  const order = backwards ? "DESC" : "ASC"
  const fetched = await run(
    `SELECT seq, id, stanza, stamp FROM mam_messages WHERE ${filter}${bound}
     ORDER BY seq ${order} LIMIT ${value(query.max)}`,
    values,
  )
  const ordered = backwards ? [...fetched].reverse() : fetched
  const rows = ordered.map((row) => ({
    seq: Number(row.seq),
    id: String(row.id),
    stanza: String(row.stanza),
    stamp: Number(row.stamp),
  }))
  const first = rows[0]
  const last = rows[rows.length - 1]
  const firstIndex = first === undefined ? 0 : await countWhere("<", first.seq)
  const complete = backwards
    ? first === undefined || firstIndex === 0
    : last === undefined || (await countWhere(">", last.seq)) === 0
  return { found: true, rows, count, firstIndex, complete }
}
