// The archive query the mam module ran on SQLite before it moved onto the archive repository
// (src/mam/MamQuery.ts until issue 22), kept as the reference the shared paging SQL
// (src/storage/ArchivePagingSql.ts) must answer exactly like.
import type { MamQuery } from "../../src/mam/MamQuery.js"
import type { ArchivedCopy } from "../../src/storage/repositories/ArchiveRepository.js"
import type { StorageShape } from "../../src/storage/Storage.js"

/** One page of results. */
interface LegacyPage {
  readonly rows: ReadonlyArray<ArchivedCopy>
  /** Matching messages in total. */
  readonly count: number
  /** Index of the first row among all matching ones. */
  readonly firstIndex: number
  /** True when the page reaches the end of the results in the paging direction. */
  readonly complete: boolean
}

/**
 * Runs a query on `owner`'s archive; `item-not-found` for an unknown RSM id. Messages stamped
 * before `expiredBefore` (epoch ms, `archive_expires_after`) are left out as if deleted.
 */
export const legacyMamQuery = (
  storage: StorageShape,
  owner: string,
  query: MamQuery,
  expiredBefore?: number,
): LegacyPage | { readonly condition: "item-not-found"; readonly text: string } => {
  const where = ["username = @owner"]
  const values: Record<string, string | number> = { owner }
  if (expiredBefore !== undefined) {
    where.push("stamp >= @expiredBefore")
    values.expiredBefore = expiredBefore
  }
  if (query.with !== undefined) {
    where.push(query.with.full ? "peer_full = @with" : "peer = @with")
    values.with = query.with.jid
  }
  if (query.start !== undefined) {
    where.push("stamp >= @start")
    values.start = query.start
  }
  if (query.end !== undefined) {
    where.push("stamp <= @end")
    values.end = query.end
  }
  const filter = where.join(" AND ")
  const seqOf = (id: string): number | undefined =>
    storage.sql.get<{ readonly seq: number }>(
      "SELECT seq FROM mam_messages WHERE username = ? AND id = ?",
      [owner, id],
    )?.seq
  const countWhere = (extra: string, bound?: number): number =>
    storage.sql.get<{ readonly n: number }>(
      `SELECT count(*) AS n FROM mam_messages WHERE ${filter}${extra}`,
      bound === undefined ? values : { ...values, bound },
    )?.n ?? 0
  const count = countWhere("")
  const backwards = query.before !== undefined
  const anchorId = backwards ? query.before : query.after
  let anchor: number | undefined
  if (anchorId !== undefined && anchorId !== "") {
    anchor = seqOf(anchorId)
    if (anchor === undefined)
      return { condition: "item-not-found", text: `no archived message with id ${anchorId}` }
  }
  const bound = anchor === undefined ? "" : backwards ? " AND seq < @bound" : " AND seq > @bound"
  const order = backwards ? "DESC" : "ASC"
  const fetched = storage.sql.all<ArchivedCopy>(
    `SELECT seq, id, stanza, stamp FROM mam_messages WHERE ${filter}${bound} ORDER BY seq ${order} LIMIT @limit`,
    { ...values, ...(anchor === undefined ? {} : { bound: anchor }), limit: query.max },
  )
  const rows = backwards ? [...fetched].reverse() : fetched
  const first = rows[0]
  const last = rows[rows.length - 1]
  const firstIndex = first === undefined ? 0 : countWhere(" AND seq < @bound", first.seq)
  const complete = backwards
    ? first === undefined || firstIndex === 0
    : last === undefined || countWhere(" AND seq > @bound", last.seq) === 0
  return { rows, count, firstIndex, complete }
}
