// Which XEP-0357 registrations a session has enabled, kept as session flags
// (src/cluster/SessionFlags.ts) so that they travel with the session when it resumes on another
// cluster node (XEP-0198 across nodes): `push:<service>:<node>` (a JID has no `:`).
import { flagsOf, setFlag } from "../cluster/SessionFlags.js"
import type { Session } from "../session/Session.js"
import type { XmlElement } from "../xml/Xml.js"

const PREFIX = "push:"

/** Records what an answered `<enable/>` or `<disable/>` (§5, §6) did to the session's registrations. */
export const notePushRequest = (session: Session, request: XmlElement, reply: XmlElement): void => {
  if (reply.attrs.type !== "result") return
  const enable = request.getChild("enable")
  if (enable !== undefined) {
    setFlag(session, `${PREFIX}${enable.attrs.jid ?? ""}:${enable.attrs.node ?? ""}`, true)
    return
  }
  const disable = request.getChild("disable")
  if (disable === undefined) return
  const prefix = `${PREFIX}${disable.attrs.jid ?? ""}:`
  const node = disable.attrs.node
  for (const flag of flagsOf(session))
    if (flag === `${prefix}${node ?? ""}` || (node === undefined && flag.startsWith(prefix)))
      setFlag(session, flag, false)
}

/** The registrations (service, node) a session enabled, from its flags. */
export const pushFlagsOf = (
  session: Session,
): ReadonlyArray<{ readonly service: string; readonly node: string }> =>
  flagsOf(session)
    .filter((flag) => flag.startsWith(PREFIX))
    .map((flag) => {
      const rest = flag.slice(PREFIX.length)
      const colon = rest.indexOf(":")
      return { service: rest.slice(0, colon), node: rest.slice(colon + 1) }
    })
