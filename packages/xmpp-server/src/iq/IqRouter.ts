// RFC 6120 §8.2.3 / RFC 6121 §8.5: IQ handling. IQs to the server, to no address or to an
// account's bare JID are answered by the server (built-in handlers, then module handlers,
// else `service-unavailable`); IQs to a full JID go to that session; other domains get
// `remote-server-not-found`. Every get/set gets exactly one answer.
import type { ServerCore } from "../core/ServerCore.js"
import type { Jid } from "../jid/Jid.js"
import type { DiscoTarget, IqHandler } from "../modules/ServerModule.js"
import { accountExists } from "../routing/Decide.js"
import { errorReply } from "../routing/StanzaError.js"
import type { Session } from "../session/Session.js"
import type { XmlElement } from "../xml/Xml.js"
import { builtInIqHandlers } from "./BuiltInIq.js"

const requestTypes = new Set(["get", "set"])

const replyError = (session: Session, iq: XmlElement, condition: string, text?: string): void => {
  const error = errorReply(iq, condition, text === undefined ? {} : { text })
  if (error !== undefined) session.send(error)
}

/** Runs handlers for the IQ's namespace in order until one answers. */
const answer = (core: ServerCore, session: Session, iq: XmlElement, target: DiscoTarget): void => {
  const payload = iq.getChildElements()[0]
  const namespace = payload?.attrs.xmlns ?? ""
  const builtIn = builtInIqHandlers[namespace]
  const handlers: ReadonlyArray<IqHandler> = core.modules.iqHandlers(namespace) ?? []
  if (builtIn !== undefined) {
    const reply = builtIn(core, iq, session, target)
    if (reply === "answered") return
    if (reply !== "unhandled") return void session.send(reply)
  }
  for (const handler of handlers) {
    let reply: ReturnType<IqHandler>
    try {
      reply = handler(iq, session, target)
    } catch (error) {
      core.logger.error("iq-handler-failed", { error, namespace })
      replyError(session, iq, "internal-server-error")
      return
    }
    if (reply === "unhandled") continue
    if (!(reply instanceof Promise)) return void session.send(reply)
    reply.then(
      (element) => session.send(element),
      (error: unknown) => {
        core.logger.error("iq-handler-failed", { error, namespace })
        replyError(session, iq, "internal-server-error")
      },
    )
    return
  }
  replyError(session, iq, "service-unavailable")
}

/** Handles an IQ from a bound session; `to` is undefined when the IQ had no `to`. */
export const handleIq = (
  core: ServerCore,
  session: Session,
  iq: XmlElement,
  to: Jid | undefined,
): void => {
  const type = iq.attrs.type
  const isRequest = type !== undefined && requestTypes.has(type)
  if (!isRequest && type !== "result" && type !== "error") {
    replyError(session, iq, "bad-request", "bad IQ type")
    return
  }
  if (isRequest && (iq.attrs.id === undefined || iq.getChildElements().length !== 1)) {
    replyError(session, iq, "bad-request", "an IQ request needs an id and exactly one child")
    return
  }
  const target = to ?? {
    local: session.username,
    domain: core.domain,
    resource: undefined,
    bare: session.bare,
    full: session.bare,
  }
  if (target.domain !== core.domain) {
    if (isRequest) replyError(session, iq, "remote-server-not-found")
    return
  }
  if (target.resource !== undefined && target.local !== undefined) {
    const recipient = core.sessions.get(target.bare, target.resource)
    if (recipient !== undefined) return void recipient.send(iq)
    if (isRequest) replyError(session, iq, "service-unavailable")
    return
  }
  if (!isRequest) return
  if (target.local === undefined) {
    if (to !== undefined && to.resource !== undefined) {
      replyError(session, iq, "service-unavailable")
      return
    }
    answer(core, session, iq, { kind: "server" })
    return
  }
  if (!accountExists(core, target.bare, target.local)) {
    replyError(session, iq, "service-unavailable")
    return
  }
  answer(core, session, iq, { kind: "account", username: target.local })
}
