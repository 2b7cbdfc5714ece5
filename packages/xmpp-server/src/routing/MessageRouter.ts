// RFC 6121 §8.5 message routing: decide, let modules see (and possibly take over) the
// decision, then deliver to the chosen sessions (serialised once) or bounce to the sender.
import type { ServerCore } from "../core/ServerCore.js"
import { type Jid, parseJid } from "../jid/Jid.js"
import type { Session } from "../session/Session.js"
import type { XmlElement } from "../xml/Xml.js"
import { decideMessage } from "./Decide.js"
import type { RouteDecision } from "./RouteDecision.js"
import { deliverFromServer } from "./ServerDelivery.js"
import { errorReply } from "./StanzaError.js"

/** Carries out a decision without consulting modules (used after they had their say). */
export const carryOut = (core: ServerCore, stanza: XmlElement, decision: RouteDecision): void => {
  if (decision.kind === "sessions") {
    const text = stanza.toString()
    for (const session of decision.sessions) session.sendSerialized(stanza, text)
    return
  }
  if (decision.bounce === undefined) return
  const bounce = errorReply(stanza, decision.bounce)
  if (bounce !== undefined) deliverFromServer(core, bounce)
}

/** Routes a message from a session (`from` set) or from the server/module (`from` undefined). */
export const routeMessage = (
  core: ServerCore,
  from: Session | undefined,
  stanza: XmlElement,
  to: Jid,
): void => {
  const decision = decideMessage(core, to, stanza.attrs.type)
  const hooks = core.modules.messageRouted
  if (hooks.length > 0) {
    const event = { from, stanza, to, decision }
    for (const hook of hooks) if (hook(event) === "handled") return
  }
  carryOut(core, stanza, decision)
}

/** Routes a message whose `to` is still text (server-originated stanzas). */
export const routeMessageTo = (core: ServerCore, stanza: XmlElement): void => {
  const to = parseJid(stanza.attrs.to ?? "")
  if (to !== undefined) routeMessage(core, undefined, stanza, to)
}
