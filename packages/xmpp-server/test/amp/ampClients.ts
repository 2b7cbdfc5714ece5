// Helpers of the AMP (XEP-0079) end-to-end tests: AMP messages and rules as a client writes
// them, subscriptions seeded in the roster, waiting for the AMP reply with a given id.
import { type XmlElement, xml } from "../../src/index.js"
import type { TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"

/** XEP-0079 namespaces. */
export const NS_AMP = "http://jabber.org/protocol/amp"
export const NS_AMP_ERRORS = "http://jabber.org/protocol/amp#errors"
export const NS_AMP_FEATURE = "http://jabber.org/features/amp"
export const NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"

/** One `<rule/>` as a sender writes it. */
export interface Rule {
  readonly condition: string
  readonly value: string
  readonly action: string
}

/** `<rule condition value action/>`. */
export const rule = (condition: string, value: string, action: string): Rule => ({
  condition,
  value,
  action,
})

/** A chat message with a body and an `<amp/>` carrying `rules`. */
export const ampMessage = (
  to: string,
  id: string,
  rules: ReadonlyArray<Rule>,
  body = `body of ${id}`,
): XmlElement =>
  xml(
    "message",
    { to, id, type: "chat" },
    xml("body", {}, body),
    xml(
      "amp",
      { xmlns: NS_AMP },
      ...rules.map((r) =>
        xml("rule", { condition: r.condition, value: r.value, action: r.action }),
      ),
    ),
  )

/** Makes `a` and `b` (usernames) subscribed both ways in the stored rosters. */
export const befriend = (server: TestServer, a: string, b: string): void => {
  const item = (contact: string) => ({
    jid: `${contact}@${server.domain}`,
    name: undefined,
    subscription: "both" as const,
    ask_out: false,
    pending_in: undefined,
    groups: [],
  })
  server.server.storage.roster.put(a, item(b))
  server.server.storage.roster.put(b, item(a))
}

/** The AMP reply (or error) with this id that reached `client`. */
export const replyTo = (client: TestClient, id: string, timeoutMs = 3000): Promise<XmlElement> =>
  client.waitFor(
    (stanza) =>
      stanza.is("message") &&
      stanza.attrs.id === id &&
      stanza.attrs.from === client.jid.split("@")[1]?.split("/")[0],
    timeoutMs,
  )

/** Every stanza with this id that reached `client` so far. */
export const withId = (client: TestClient, id: string): Array<XmlElement> =>
  client.received.filter((stanza) => stanza.attrs.id === id)

/** The `<amp/>` of a reply: its status, from, to and the rules it lists. */
export const ampOf = (stanza: XmlElement) => {
  const amp = stanza.getChild("amp", NS_AMP)
  return {
    status: amp?.attrs.status,
    from: amp?.attrs.from,
    to: amp?.attrs.to,
    rules: (amp?.getChildren("rule") ?? []).map((r) =>
      rule(r.attrs.condition ?? "", r.attrs.value ?? "", r.attrs.action ?? ""),
    ),
  }
}

/** The error of an error reply: type, code, defined condition, and AMP container rules. */
export const errorOf = (stanza: XmlElement) => {
  const error = stanza.getChild("error")
  const elements = error?.getChildElements() ?? []
  const condition = elements.find((child) => child.attrs.xmlns === NS_STANZAS)
  const container = elements.find((child) => child.attrs.xmlns === NS_AMP_ERRORS)
  return {
    type: error?.attrs.type,
    code: error?.attrs.code,
    condition: condition?.name,
    container: container?.name,
    rules: (container?.getChildren("rule") ?? []).map((r) =>
      rule(r.attrs.condition ?? "", r.attrs.value ?? "", r.attrs.action ?? ""),
    ),
  }
}

/** What a reply to an AMP message is: an AMP notify/alert, an AMP error, a refusal, a bounce. */
export type ReplyKind =
  | { readonly kind: "amp"; readonly status: "notify" | "alert" }
  | { readonly kind: "amp-error"; readonly condition: "undefined-condition" }
  | { readonly kind: "refused"; readonly condition: "not-acceptable" }
  | { readonly kind: "bounce"; readonly condition: string; readonly type: string | undefined }
  | { readonly kind: "other"; readonly text: string }

/** Classifies a stanza the sender got for an AMP message (spec/amp.md §5 and the bounces of §4). */
export const replyKindOf = (stanza: XmlElement): ReplyKind => {
  const amp = stanza.getChild("amp", NS_AMP)
  const error = stanza.getChild("error")
  const condition = error?.getChildElements().find((child) => child.attrs.xmlns === NS_STANZAS)
  if (stanza.attrs.type === "error" && amp !== undefined) {
    if (condition?.name === "undefined-condition")
      return { kind: "amp-error", condition: "undefined-condition" }
    if (condition?.name === "not-acceptable")
      return { kind: "refused", condition: "not-acceptable" }
  }
  if (stanza.attrs.type === "error" && amp === undefined && condition !== undefined)
    return { kind: "bounce", condition: condition.name, type: error?.attrs.type }
  const status = amp?.attrs.status
  if (stanza.attrs.type !== "error" && (status === "notify" || status === "alert"))
    return { kind: "amp", status }
  return { kind: "other", text: stanza.toString() }
}

/** The `<error/>` of an AMP error reply: type, code, condition, container (name and namespace), rules. */
export const ampErrorOf = (stanza: XmlElement) => {
  const error = stanza.getChild("error")
  const children = error?.getChildElements() ?? []
  const container = children.find((child) => child.attrs.xmlns !== NS_STANZAS)
  return {
    type: error?.attrs.type,
    code: error?.attrs.code,
    condition: children.find((child) => child.attrs.xmlns === NS_STANZAS)?.name,
    container: container && `${container.name} ${container.attrs.xmlns}`,
    rules: (container?.getChildren("rule") ?? []).map((r) =>
      rule(r.attrs.condition ?? "", r.attrs.value ?? "", r.attrs.action ?? ""),
    ),
  }
}

/** Resolves once `client` got `count` stanzas with this id, or quietly after `timeoutMs`. */
export const settled = (
  client: TestClient,
  id: string,
  count: number,
  timeoutMs: number,
): Promise<void> => {
  if (count === 0) return Promise.resolve()
  let seen = 0
  return client
    .waitFor((stanza) => stanza.attrs.id === id && ++seen >= count, timeoutMs)
    .then(() => undefined)
    .catch(() => undefined)
}

/** Ids of the messages in `client`'s own archive (XEP-0313 query without filters). */
export const archivedIds = async (client: TestClient, queryid: string): Promise<Array<string>> => {
  await client.iq(
    xml(
      "iq",
      { type: "set" },
      xml(
        "query",
        { xmlns: "urn:xmpp:mam:2", queryid },
        xml(
          "x",
          { xmlns: "jabber:x:data", type: "submit" },
          xml("field", { var: "FORM_TYPE" }, xml("value", {}, "urn:xmpp:mam:2")),
        ),
      ),
    ),
  )
  return client.received
    .filter((stanza) => stanza.getChild("result", "urn:xmpp:mam:2")?.attrs.queryid === queryid)
    .map(
      (stanza) =>
        stanza.getChild("result")?.getChild("forwarded")?.getChild("message")?.attrs.id ?? "",
    )
}
