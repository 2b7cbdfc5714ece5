// XEP-0313 IQs on the user's own archive: the query form (§4.1.1, `get`), queries (§4.1,
// `set`, results sent before the IQ result, as the client reads them) and archiving preferences (§6.1, `get`/`set`).
// The archive answers asynchronously; a session's MAM IQs are answered one after the other,
// in the order they came (a later IQ's results or answer never overtake an earlier one's). A
// query the archive cannot answer gets `internal-server-error`, an unknown RSM id
// `item-not-found`; preferences apply once stored.
import { parseJid } from "../jid/Jid.js"
import type { DiscoTarget } from "../modules/ServerModule.js"
import { errorReply, iqResult } from "../routing/StanzaError.js"
import type { Session } from "../session/Session.js"
import { failed as storageFailed } from "../storage/repositories/Outcome.js"
import { type XmlElement, xml } from "../xml/Xml.js"
import { type MamDefault, type MamPrefs, NS_MAM } from "./MamPolicy.js"
import { archiveQueryOf, type MamPage, NS_DATA, parseMamQuery } from "./MamQuery.js"
import { finElement, resultMessage } from "./MamResults.js"
import type { MamTable } from "./MamTable.js"

const modes: ReadonlyArray<MamDefault> = ["always", "never", "roster"]

const failed = (iq: XmlElement, condition: string, text?: string): XmlElement =>
  errorReply(iq, condition, text === undefined ? {} : { text }) ?? iqResult(iq)

const field = (name: string, type: string, value?: string): XmlElement =>
  xml("field", { var: name, type }, value === undefined ? undefined : xml("value", {}, value))

const queryForm = (iq: XmlElement): XmlElement =>
  iqResult(
    iq,
    xml(
      "query",
      { xmlns: NS_MAM },
      xml(
        "x",
        { xmlns: NS_DATA, type: "form" },
        field("FORM_TYPE", "hidden", NS_MAM),
        field("with", "jid-single"),
        field("start", "text-single"),
        field("end", "text-single"),
      ),
    ),
  )

const jidList = (name: string, jids: ReadonlyArray<string>): XmlElement =>
  xml(
    name,
    {},
    jids.map((jid) => xml("jid", {}, jid)),
  )

const prefsElement = (prefs: MamPrefs): XmlElement =>
  xml(
    "prefs",
    { xmlns: NS_MAM, default: prefs.defaultMode },
    jidList("always", prefs.always),
    jidList("never", prefs.never),
  )

const readJids = (prefs: XmlElement, name: string): ReadonlyArray<string> | undefined => {
  const jids: Array<string> = []
  for (const item of prefs.getChild(name)?.getChildren("jid") ?? []) {
    const jid = parseJid(item.text().trim())
    if (jid === undefined) return undefined
    jids.push(jid.bare)
  }
  return jids
}

const answerPrefs = async (
  table: MamTable,
  iq: XmlElement,
  session: Session,
  prefs: XmlElement,
): Promise<XmlElement> => {
  if (iq.attrs.type === "get") return iqResult(iq, prefsElement(table.prefs(session.username)))
  const mode = prefs.attrs.default ?? table.prefs(session.username).defaultMode
  const always = readJids(prefs, "always")
  const never = readJids(prefs, "never")
  if (
    !(modes as ReadonlyArray<string>).includes(mode) ||
    always === undefined ||
    never === undefined
  )
    return failed(iq, "bad-request", "default must be always, never or roster; lists hold JIDs")
  const next: MamPrefs = { defaultMode: mode as MamDefault, always, never }
  if (storageFailed(await table.setPrefs(session.username, next)))
    return failed(iq, "internal-server-error", "the preferences could not be stored")
  return iqResult(iq, prefsElement(next))
}

/**
 * Sends a page's results, each once the connection's output buffer has room (backpressure:
 * a page of large messages never trips the output cap of a client that reads), then the fin.
 */
const sendPage = async (
  iq: XmlElement,
  session: Session,
  query: XmlElement,
  page: MamPage,
): Promise<XmlElement> => {
  for (const row of page.rows) {
    await session.whenWritable()
    if (session.closed) break
    const message = resultMessage(row, session.bare, session.full, query.attrs.queryid)
    if (message !== undefined) session.send(message)
  }
  return iqResult(iq, finElement(page))
}

const answerQuery = async (
  table: MamTable,
  iq: XmlElement,
  session: Session,
  query: XmlElement,
): Promise<XmlElement> => {
  if (iq.attrs.type === "get") return queryForm(iq)
  const parsed = parseMamQuery(query)
  if ("condition" in parsed) return failed(iq, parsed.condition, parsed.text)
  const page = await table.query(session.username, archiveQueryOf(parsed))
  if (storageFailed(page))
    return failed(iq, "internal-server-error", "the archive could not be read")
  if (!page.found)
    return failed(iq, "item-not-found", `no archived message with id ${page.missingId}`)
  return sendPage(iq, session, query, page)
}

/** Each session's last MAM IQ still being answered. */
const answering = new WeakMap<Session, Promise<XmlElement>>()

/** Answers after the session's earlier MAM IQ was answered. */
const inOrder = (session: Session, answer: () => Promise<XmlElement>): Promise<XmlElement> => {
  const previous = answering.get(session)
  const reply = previous === undefined ? answer() : previous.then(answer, answer)
  answering.set(session, reply)
  const forget = () => {
    if (answering.get(session) === reply) answering.delete(session)
  }
  reply.then(forget, forget)
  return reply
}

/** The `urn:xmpp:mam:2` IQ handler; only the account's own sessions may use its archive. */
export const mamIqHandler =
  (table: MamTable) =>
  (
    iq: XmlElement,
    session: Session,
    target: DiscoTarget,
  ): XmlElement | Promise<XmlElement> | "unhandled" => {
    if (target.kind !== "account") return "unhandled"
    if (target.username !== session.username)
      return failed(iq, "forbidden", "only the owner may use an archive")
    const payload = iq.getChildElements()[0]
    if (payload?.name === "query")
      return inOrder(session, () => answerQuery(table, iq, session, payload))
    if (payload?.name === "prefs")
      return inOrder(session, () => answerPrefs(table, iq, session, payload))
    return failed(iq, "feature-not-implemented")
  }
