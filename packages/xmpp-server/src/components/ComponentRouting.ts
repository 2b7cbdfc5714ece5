// XEP-0114 routing between local entities and components: a stanza whose `to` is a component
// domain goes to that component (a stanza error comes back when it is not connected), and a
// stanza a component sends goes to local users (messages through normal routing), to another
// component, or answers an IQ the server sent.
import type { ServerCore } from "../core/ServerCore.js"
import { parseJid } from "../jid/Jid.js"
import { routeMessage } from "../routing/MessageRouter.js"
import { deliverFromServer } from "../routing/ServerDelivery.js"
import { errorReply } from "../routing/StanzaError.js"
import type { XmlElement } from "../xml/Xml.js"

const domainOf = (address: string | undefined): string =>
  (address ?? "").split("/")[0]?.split("@").pop()?.toLowerCase() ?? ""

const answerError = (core: ServerCore, stanza: XmlElement, condition: string): void => {
  const reply = errorReply(stanza, condition)
  if (reply === undefined) return
  if (core.components.serves(domainOf(reply.attrs.to))) fromComponent(core, reply)
  else deliverFromServer(core, reply)
}

/** Answers `stanza` with `service-unavailable`: its component is not connected (any more). */
export const componentUnavailable = (core: ServerCore, stanza: XmlElement): void =>
  answerError(core, stanza, "service-unavailable")

/**
 * Sends `stanza` on to a component when its `to` is a component domain; returns false when
 * it is not for a component (the caller routes it as usual).
 */
export const toComponent = (core: ServerCore, stanza: XmlElement): boolean => {
  const domain = domainOf(stanza.attrs.to)
  if (!core.components.serves(domain)) return false
  if (!core.components.write(domain, stanza)) answerError(core, stanza, "service-unavailable")
  return true
}

/** Routes a stanza a component sent (its `from` was checked against the component's domain). */
export const fromComponent = (core: ServerCore, stanza: XmlElement): void => {
  const to = parseJid(stanza.attrs.to ?? "")
  if (to === undefined) return void answerError(core, stanza, "jid-malformed")
  if (toComponent(core, stanza)) return
  if (to.domain !== core.domain) return void answerError(core, stanza, "remote-server-not-found")
  if (stanza.name === "message") return void routeMessage(core, undefined, stanza, to)
  const type = stanza.attrs.type
  const request = stanza.name === "iq" && (type === "get" || type === "set")
  if (to.local === undefined) {
    if (stanza.name === "iq" && !request) {
      core.components.settle(stanza)
      return
    }
    if (request) answerError(core, stanza, "service-unavailable")
    return
  }
  if (deliverFromServer(core, stanza) === 0 && request)
    answerError(core, stanza, "service-unavailable")
}
