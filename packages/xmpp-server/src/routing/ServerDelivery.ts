// Delivery of stanzas the server itself produces (bounces, replies, pushes, probe answers):
// straight to a local full JID's session, or to every session of a bare JID. Never bounced:
// a server stanza that finds nobody is dropped (RFC 6120 §8.3.1, errors are not answered).
import type { ServerCore } from "../core/ServerCore.js"
import { parseJid } from "../jid/Jid.js"
import { serialize, type XmlElement } from "../xml/Xml.js"

/** Writes `stanza` to the session(s) its `to` names; returns how many got it. */
export const deliverFromServer = (core: ServerCore, stanza: XmlElement): number => {
  const to = parseJid(stanza.attrs.to ?? "")
  if (to === undefined || to.domain !== core.domain || to.local === undefined) return 0
  if (to.resource !== undefined) {
    const session = core.sessions.get(to.bare, to.resource)
    return session?.send(stanza) === true ? 1 : 0
  }
  const sessions = core.sessions.ofBare(to.bare)
  if (sessions.length === 0) return 0
  const text = serialize(stanza)
  let count = 0
  for (const session of sessions) if (session.sendSerialized(stanza, text)) count += 1
  return count
}
