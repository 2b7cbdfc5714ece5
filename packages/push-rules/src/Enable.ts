// XEP-0357 §5: `<enable xmlns='urn:xmpp:push:0' jid=… node=…/>`, turning push on for an app
// server node, with an optional publish-options form.
import xml, { type Element } from "@xmpp/xml"
import type { DataForm } from "./DataForm.js"
import { dataFormCodec } from "./DataForm.js"
import type { ElementCodec } from "./ElementCodec.js"
import { isWellFormedJid } from "./Jid.js"
import { PUSH_NS } from "./Namespaces.js"
import { parsePublishOptions } from "./PublishOptions.js"
import { type ParseResult, parsed, refused } from "./PushRequestError.js"

/** An enable request: which app server (`service`) and node, with optional publish options. */
export interface EnableRequest {
  /** JID of the app server (`jid` attribute). */
  readonly service: string
  /** Pubsub node on the app server (`node` attribute). */
  readonly node: string
  /** The publish-options form to echo in every publish, if given. */
  readonly publishOptions?: DataForm
}

const parseEnable = (element: Element): ParseResult<EnableRequest> => {
  const service = element.attrs.jid
  if (typeof service !== "string" || service.length === 0) {
    return refused("missing-jid", "<enable/> needs the app server 'jid'")
  }
  if (!isWellFormedJid(service)) return refused("malformed-jid", `'${service}' is not a JID`)
  const node = element.attrs.node
  if (typeof node !== "string" || node.length === 0) {
    return refused("missing-node", "<enable/> needs a 'node'")
  }
  const publishOptions = parsePublishOptions(element)
  if (!publishOptions.ok) return publishOptions
  return parsed(
    publishOptions.value === undefined
      ? { service, node }
      : { service, node, publishOptions: publishOptions.value },
  )
}

/** `<enable xmlns='urn:xmpp:push:0'/>` (XEP-0357 §5). */
export const enableCodec: ElementCodec<EnableRequest> = {
  name: "enable",
  xmlns: PUSH_NS,
  parse: parseEnable,
  serialize: (request) =>
    xml(
      "enable",
      { xmlns: PUSH_NS, jid: request.service, node: request.node },
      ...(request.publishOptions === undefined
        ? []
        : [dataFormCodec.serialize(request.publishOptions)]),
    ),
}
