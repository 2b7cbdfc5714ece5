// The hot path for every stanza a bound session sends (RFC 6120 §8.1.2.1: the server stamps
// `from` with the session's full JID): module `stanzaReceived` hooks, then message routing,
// presence handling or IQ handling.
import { toComponent } from "../components/ComponentRouting.js"
import type { ServerCore } from "../core/ServerCore.js"
import { handleIq } from "../iq/IqRouter.js"
import { parseJid } from "../jid/Jid.js"
import { handlePresence } from "../presence/PresenceRouter.js"
import type { Session } from "../session/Session.js"
import type { XmlElement } from "../xml/Xml.js"
import { routeMessage } from "./MessageRouter.js"
import { errorReply } from "./StanzaError.js"

/** Handles one stanza from a bound session. */
export const dispatchStanza = (core: ServerCore, session: Session, received: XmlElement): void => {
  let stanza = received
  stanza.attrs.from = session.full
  for (const hook of core.modules.stanzaReceived) {
    const verdict = hook(session, stanza)
    if (verdict === "stop") return
    if (verdict !== undefined) stanza = verdict.replace
  }
  const toText = stanza.attrs.to
  const to = toText === undefined || toText === "" ? undefined : parseJid(toText)
  if (toText !== undefined && toText !== "" && to === undefined) {
    const error = errorReply(stanza, "jid-malformed", { from: core.domain })
    if (error !== undefined) session.send(error)
    return
  }
  if (to !== undefined && to.domain !== core.domain && toComponent(core, stanza)) return
  switch (stanza.name) {
    case "message": {
      routeMessage(core, session, stanza, to ?? (parseJid(session.bare) as NonNullable<typeof to>))
      return
    }
    case "presence": {
      handlePresence(core, session, stanza, to)
      return
    }
    default: {
      handleIq(core, session, stanza, to)
      return
    }
  }
}
