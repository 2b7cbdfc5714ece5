// disco#info answers for the fake server, built with amp-core's own server-side helpers.

import xml from "@xmpp/xml"
import { AMP_FEATURE, ampNodeInfo, ampSupport, DISCO_INFO_NS } from "@xmpp-amp/amp-core"
import type { DiscoAnswer } from "./FakeXmppServer.js"

/** A root disco#info `<query/>` listing these features. */
export const rootInfo = (...features: string[]): DiscoAnswer =>
  xml(
    "query",
    { xmlns: DISCO_INFO_NS },
    xml("identity", { category: "server", type: "im" }),
    ...features.map((feature) => xml("feature", { var: feature })),
  )

/** A server with AMP: root lists the feature, the node lists these actions and conditions. */
export const ampServer =
  (options: { actions?: string[]; conditions?: string[] } = {}) =>
  (node: string | undefined): DiscoAnswer => {
    if (node === undefined) return rootInfo(AMP_FEATURE, DISCO_INFO_NS)
    const support = ampSupport(options)
    if ("_tag" in support) throw new Error(support.message)
    return ampNodeInfo(support)
  }
