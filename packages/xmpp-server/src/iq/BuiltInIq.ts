// The IQs the server answers itself: XEP-0030 disco#info/#items (server and account, with
// module features and nodes), XEP-0199 ping, XEP-0092 version and the RFC 6121 roster.
import type { ServerCore } from "../core/ServerCore.js"
import type { DiscoInfo, DiscoTarget } from "../modules/ServerModule.js"
import { handleRosterIq } from "../roster/RosterIq.js"
import { errorReply, iqResult } from "../routing/StanzaError.js"
import type { Session } from "../session/Session.js"
import {
  NS_DISCO_INFO,
  NS_DISCO_ITEMS,
  NS_PING,
  NS_ROSTER,
  NS_VERSION,
} from "../stream/Namespaces.js"
import { type XmlElement, xml } from "../xml/Xml.js"
import { SERVER_NAME, SERVER_VERSION } from "./ServerVersion.js"

/**
 * A built-in handler: a reply, "answered" when it replied itself (or will, once a write is
 * durable), or "unhandled" to let modules try.
 */
export type BuiltInIqHandler = (
  core: ServerCore,
  iq: XmlElement,
  session: Session,
  target: DiscoTarget,
) => XmlElement | "answered" | "unhandled"

const error = (iq: XmlElement, condition: string): XmlElement => errorReply(iq, condition) ?? iq

const baseInfo = (core: ServerCore, target: DiscoTarget): DiscoInfo =>
  target.kind === "server"
    ? {
        identities: [{ category: "server", type: "im", name: SERVER_NAME }],
        features: [
          NS_DISCO_INFO,
          NS_DISCO_ITEMS,
          NS_PING,
          NS_VERSION,
          ...core.modules.serverFeatures,
        ],
      }
    : {
        identities: [{ category: "account", type: "registered" }],
        features: [NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PING, ...core.modules.accountFeatures],
      }

const discoInfo: BuiltInIqHandler = (core, iq, _session, target) => {
  if (iq.attrs.type !== "get") return error(iq, "feature-not-implemented")
  const node = iq.getChild("query")?.attrs.node
  const info =
    node === undefined ? baseInfo(core, target) : core.modules.discoInfoNode(node, target)
  if (info === undefined || info === "item-not-found") return error(iq, "item-not-found")
  return iqResult(
    iq,
    xml(
      "query",
      { xmlns: NS_DISCO_INFO, node },
      info.identities.map((identity) => xml("identity", { ...identity })),
      [...new Set(info.features)].map((feature) => xml("feature", { var: feature })),
    ),
  )
}

const discoItems: BuiltInIqHandler = (core, iq, _session, target) => {
  if (iq.attrs.type !== "get") return error(iq, "feature-not-implemented")
  const node = iq.getChild("query")?.attrs.node
  if (node !== undefined) return error(iq, "item-not-found")
  const items =
    target.kind === "server"
      ? core.config.components.map((component) => xml("item", { jid: component.domain }))
      : []
  return iqResult(iq, xml("query", { xmlns: NS_DISCO_ITEMS }, items))
}

const ping: BuiltInIqHandler = (_core, iq) =>
  iq.attrs.type === "get" ? iqResult(iq) : error(iq, "feature-not-implemented")

const version: BuiltInIqHandler = (_core, iq, _session, target) => {
  if (target.kind !== "server") return "unhandled"
  if (iq.attrs.type !== "get") return error(iq, "feature-not-implemented")
  return iqResult(
    iq,
    xml(
      "query",
      { xmlns: NS_VERSION },
      xml("name", {}, SERVER_NAME),
      xml("version", {}, SERVER_VERSION),
    ),
  )
}

const roster: BuiltInIqHandler = (core, iq, session, target) => {
  if (target.kind !== "account" || target.username !== session.username)
    return error(iq, "forbidden")
  return handleRosterIq(core, session, iq)
}

/** Built-in handlers by payload namespace. */
export const builtInIqHandlers: Readonly<Record<string, BuiltInIqHandler>> = {
  [NS_DISCO_INFO]: discoInfo,
  [NS_DISCO_ITEMS]: discoItems,
  [NS_PING]: ping,
  [NS_VERSION]: version,
  [NS_ROSTER]: roster,
}
