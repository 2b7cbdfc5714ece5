// XEP-0313 §4 queries: the data form filter (`with`, `start`, `end`) and XEP-0059 RSM paging
// (`max`, `after`, `before`; an empty `before` asks for the last page), parsed into the
// archive repository's query (run in archive order: src/storage/ArchivePagingSql.ts).
import { parseJid } from "../jid/Jid.js"
import type { ArchivePage, ArchiveQuery } from "../storage/repositories/ArchiveRepository.js"
import type { XmlElement } from "../xml/Xml.js"

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
export type MamPage = Extract<ArchivePage, { readonly found: true }>

/** The query as the archive repository takes it. */
export const archiveQueryOf = (query: MamQuery): ArchiveQuery => ({
  max: query.max,
  ...(query.with === undefined ? {} : { with: query.with }),
  ...(query.start === undefined ? {} : { start: query.start }),
  ...(query.end === undefined ? {} : { end: query.end }),
  ...(query.after === undefined ? {} : { after: query.after }),
  ...(query.before === undefined ? {} : { before: query.before }),
})
