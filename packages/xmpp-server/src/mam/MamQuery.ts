// XEP-0313 §4 queries: the data form filter (`with`, `start`, `end`) and XEP-0059 RSM paging
// (`max`, `after`, `before`; an empty `before` asks for the last page), run against the
// archive table in archive order.
import { parseJid } from "../jid/Jid.js"
import type { StorageShape } from "../storage/Storage.js"
import type { XmlElement } from "../xml/Xml.js"
import type { ArchivedRow } from "./MamTable.js"

/** XEP-0004 data forms. */
export const NS_DATA = "jabber:x:data"
/** XEP-0059 result set management. */
export const NS_RSM = "http://jabber.org/protocol/rsm"

/** Default and largest page size. */
export const pageSizes = { default: 50, max: 250 } as const

/** A parsed query. */
export interface MamQuery {
  readonly with: { readonly jid: string; readonly full: boolean } | undefined
  readonly start: number | undefined
  readonly end: number | undefined
  readonly max: number
  /** RSM `after` id; undefined when absent. */
  readonly after: string | undefined
  /** RSM `before`: undefined when absent, "" for the last page, else an id. */
  readonly before: string | undefined
}

/** A query that cannot be run: the stanza error condition and its text. */
export interface QueryProblem {
  readonly condition: "bad-request" | "item-not-found" | "feature-not-implemented"
  readonly text: string
}

const fieldValue = (form: XmlElement, name: string): string | undefined =>
  form
    .getChildren("field")
    .find((field) => field.attrs.var === name)
    ?.getChildText("value")
    ?.trim() ?? undefined

const knownFields = new Set(["FORM_TYPE", "with", "start", "end"])

const time = (text: string | undefined, name: string): number | QueryProblem | undefined => {
  if (text === undefined) return undefined
  const value = Date.parse(text)
  return Number.isNaN(value)
    ? { condition: "bad-request", text: `${name} is not an XEP-0082 date-time` }
    : value
}

const isProblem = (value: unknown): value is QueryProblem =>
  typeof value === "object" && value !== null && "condition" in value

/** Parses the `<query/>` of a MAM IQ. */
export const parseMamQuery = (query: XmlElement): MamQuery | QueryProblem => {
  const form = query.getChild("x", NS_DATA)
  let withJid: MamQuery["with"]
  let start: number | undefined
  let end: number | undefined
  if (form !== undefined) {
    for (const field of form.getChildren("field"))
      if (!knownFields.has(field.attrs.var ?? ""))
        return {
          condition: "feature-not-implemented",
          text: `unsupported field ${field.attrs.var}`,
        }
    const withText = fieldValue(form, "with")
    if (withText !== undefined) {
      const jid = parseJid(withText)
      if (jid === undefined) return { condition: "bad-request", text: "with is not a JID" }
      withJid = { jid: jid.full, full: jid.resource !== undefined }
    }
    const startValue = time(fieldValue(form, "start"), "start")
    const endValue = time(fieldValue(form, "end"), "end")
    if (isProblem(startValue)) return startValue
    if (isProblem(endValue)) return endValue
    start = startValue
    end = endValue
  }
  const set = query.getChild("set", NS_RSM)
  const maxText = set?.getChildText("max")
  const max = maxText === null || maxText === undefined ? pageSizes.default : Number(maxText)
  if (!Number.isInteger(max) || max < 0)
    return { condition: "bad-request", text: "max must be a non-negative integer" }
  const before = set?.getChild("before")
  return {
    with: withJid,
    start,
    end,
    max: Math.min(max, pageSizes.max),
    after: set?.getChildText("after") ?? undefined,
    before: before === undefined ? undefined : before.text(),
  }
}

/** One page of results. */
export interface MamPage {
  readonly rows: ReadonlyArray<ArchivedRow>
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
export const runMamQuery = (
  storage: StorageShape,
  owner: string,
  query: MamQuery,
  expiredBefore?: number,
): MamPage | QueryProblem => {
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
  const fetched = storage.sql.all<ArchivedRow>(
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
