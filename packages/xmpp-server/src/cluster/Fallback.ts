// A message the cluster could not hand to another node (no answer within the timeout, the
// session was gone there, the node died) is not lost: it goes to the recipient's offline
// storage (XEP-0160; the store adds the XEP-0203 delay stamp), as the unacknowledged messages of a session
// that ended do (src/sm/Reroute.ts). Errors and groupchat are dropped, as there, and logged.
import type { ServerCore } from "../core/ServerCore.js"
import { parseJid } from "../jid/Jid.js"
import type { XmlElement } from "../xml/Xml.js"

/** Stores `stanza` for its recipient; resolves once the store settled. */
export const fallBackToOffline = async (core: ServerCore, stanza: XmlElement): Promise<void> => {
  const type = stanza.attrs.type
  const to = parseJid(stanza.attrs.to ?? "")
  const offline = core.modules.stores.offline
  const dropped = (reason: string): void =>
    core.logger.warn("cluster-message-dropped", {
      to: stanza.attrs.to,
      id: stanza.attrs.id,
      reason,
    })
  if (type === "error" || type === "groupchat") return dropped(`type ${type} is not stored`)
  if (to === undefined || to.local === undefined || to.domain !== core.domain)
    return dropped("not for a local account")
  if (offline === undefined || !offline.accepts(stanza)) return dropped("no offline storage for it")
  const result = await offline.store(to.local, stanza, {})
  if (!result.ok) dropped(result.text)
}
