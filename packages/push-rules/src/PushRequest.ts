// XEP-0357 §5 and §6 as seen by the user's server: the IQ a client sends to enable or disable push,
// checked against the account that sent it, and the `result` / `error` reply to it.
import xml, { type Element } from "@xmpp/xml"
import { type DisableRequest, disableCodec } from "./Disable.js"
import { childOf } from "./ElementCodec.js"
import { type EnableRequest, enableCodec } from "./Enable.js"
import { bareJid } from "./Jid.js"
import { type ParseResult, type PushRequestError, parsed, refused } from "./PushRequestError.js"

/** A checked push request from an account: enable or disable. */
export type PushRequest =
  | { readonly kind: "enable"; readonly request: EnableRequest }
  | { readonly kind: "disable"; readonly request: DisableRequest }

/**
 * Reads the `<iq type='set'>` holding `<enable/>` or `<disable/>` sent by `user`; refuses an IQ of
 * another type, a missing or bad child, and an app server `jid` equal to the user's own JID.
 */
export const parsePushRequest = (iq: Element, user: string): ParseResult<PushRequest> => {
  if (iq.name !== "iq" || iq.attrs.type !== "set") {
    return refused("not-an-iq-set", "push requests are <iq type='set'/>")
  }
  const enable = childOf(enableCodec, iq)
  const disable = childOf(disableCodec, iq)
  const element = enable ?? disable
  if (element === undefined) {
    return refused("missing-element", "the IQ holds neither <enable/> nor <disable/>")
  }
  const result =
    element === enable
      ? mapValue(enableCodec.parse(element), (request) => ({ kind: "enable" as const, request }))
      : mapValue(disableCodec.parse(element), (request) => ({ kind: "disable" as const, request }))
  if (result.ok && bareJid(result.value.request.service) === bareJid(user)) {
    return refused("jid-is-own-account", "the app server 'jid' cannot be the user's own JID")
  }
  return result
}

const mapValue = <A, B>(result: ParseResult<A>, map: (value: A) => B): ParseResult<B> =>
  result.ok ? parsed(map(result.value)) : result

const replyAttributes = (iq: Element, user: string, type: "result" | "error") => {
  const from = iq.attrs.to
  const id = iq.attrs.id
  return {
    type,
    to: typeof iq.attrs.from === "string" ? iq.attrs.from : user,
    ...(typeof from === "string" ? { from } : {}),
    ...(typeof id === "string" ? { id } : {}),
  }
}

/** The empty `<iq type='result'/>` answering `iq`, addressed back to its sender. */
export const resultReply = (iq: Element, user: string): Element =>
  xml("iq", replyAttributes(iq, user, "result"))

/** The `<iq type='error'/>` answering `iq` with `error`'s condition and text. */
export const errorReply = (iq: Element, user: string, error: PushRequestError): Element =>
  xml("iq", replyAttributes(iq, user, "error"), error.toElement())
