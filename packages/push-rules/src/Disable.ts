// XEP-0357 §6: `<disable xmlns='urn:xmpp:push:0' jid=… [node=…]/>`, turning push off for one node
// of an app server, or for all of its nodes when `node` is absent.
import xml, { type Element } from "@xmpp/xml"
import type { ElementCodec } from "./ElementCodec.js"
import { isWellFormedJid } from "./Jid.js"
import { PUSH_NS } from "./Namespaces.js"
import { type ParseResult, parsed, refused } from "./PushRequestError.js"

/** A disable request: the app server, and the node (absent: every node of that server). */
export interface DisableRequest {
  /** JID of the app server (`jid` attribute). */
  readonly service: string
  /** The node to disable; absent disables every node of `service`. */
  readonly node?: string
}

const parseDisable = (element: Element): ParseResult<DisableRequest> => {
  const service = element.attrs.jid
  if (typeof service !== "string" || service.length === 0) {
    return refused("missing-jid", "<disable/> needs the app server 'jid'")
  }
  if (!isWellFormedJid(service)) return refused("malformed-jid", `'${service}' is not a JID`)
  const node = element.attrs.node
  if (node === undefined) return parsed({ service })
  if (typeof node !== "string" || node.length === 0) {
    return refused("missing-node", "<disable/> 'node', when given, must not be empty")
  }
  return parsed({ service, node })
}

/** `<disable xmlns='urn:xmpp:push:0'/>` (XEP-0357 §6). */
export const disableCodec: ElementCodec<DisableRequest> = {
  name: "disable",
  xmlns: PUSH_NS,
  parse: parseDisable,
  serialize: (request) =>
    xml(
      "disable",
      request.node === undefined
        ? { xmlns: PUSH_NS, jid: request.service }
        : { xmlns: PUSH_NS, jid: request.service, node: request.node },
    ),
}
