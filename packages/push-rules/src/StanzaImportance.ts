// Which stanzas are worth waking a phone for (the "important" flag of XEP-0357 business rules):
// messages with a body, end-to-end encrypted payloads (XEP-0384, XEP-0373, XEP-0027) and call
// proposals (XEP-0353); carbons (XEP-0280) judged by their inner message, sent carbons never.
import type { Element } from "@xmpp/xml"
import { bareJid } from "./Jid.js"
import {
  CARBONS_NS,
  FORWARD_NS,
  JINGLE_MESSAGE_NS,
  LEGACY_PGP_NS,
  OMEMO_LEGACY_NS,
  OMEMO_NS,
  OPENPGP_NS,
} from "./Namespaces.js"

/** What a stanza is, for the push rules. */
export type StanzaKind =
  | "message-with-body"
  | "encrypted-message"
  | "call-proposal"
  | "sent-carbon"
  | "other-message"
  | "presence"
  | "iq"
  | "other"

/** The facts a push needs from a stanza, computed once per stanza. */
export interface StanzaFacts {
  /** Whether the stanza is worth an "important" (user-visible) push. */
  readonly important: boolean
  /** What the stanza is. */
  readonly kind: StanzaKind
  /** Bare JID of the message's author (the inner message's for a received carbon). */
  readonly sender?: string
  /** The message body, when it has a non-blank one. */
  readonly body?: string
}

/** Whether a child is an end-to-end encrypted payload (XEP-0384, XEP-0373, XEP-0027). */
const isEncryptedPayload = (name: string, xmlns: string | undefined): boolean =>
  (name === "encrypted" && (xmlns === OMEMO_NS || xmlns === OMEMO_LEGACY_NS)) ||
  (name === "openpgp" && xmlns === OPENPGP_NS) ||
  (name === "x" && xmlns === LEGACY_PGP_NS)

/** The namespace of a child element: declared on it (the XMPP norm) or inherited. */
const namespaceOf = (child: Element): string | undefined => {
  const declared = child.attrs.xmlns
  return typeof declared === "string" ? declared : child.getNS()
}

/** What a message's direct children say, read in one pass (stanzas are hot in the rules). */
const scanPayloads = (
  message: Element,
): { body?: string; encrypted: boolean; proposal: boolean } => {
  let body: string | undefined
  let encrypted = false
  let proposal = false
  for (const child of message.children) {
    if (typeof child === "string") continue
    if (child.name === "body") {
      if (body === undefined) body = child.getText()
      continue
    }
    const xmlns = namespaceOf(child)
    if (isEncryptedPayload(child.name, xmlns)) encrypted = true
    else if (child.name === "propose" && xmlns === JINGLE_MESSAGE_NS) proposal = true
  }
  return body === undefined ? { encrypted, proposal } : { body, encrypted, proposal }
}

const withSender = (facts: StanzaFacts, from: unknown): StanzaFacts =>
  typeof from === "string" && from.length > 0 ? { ...facts, sender: bareJid(from) } : facts

const classifyMessage = (message: Element): StanzaFacts => {
  const from = message.attrs.from
  if (message.attrs.type === "error")
    return withSender({ important: false, kind: "other-message" }, from)
  const { body, encrypted, proposal } = scanPayloads(message)
  if (body !== undefined && body.trim().length > 0) {
    return withSender({ important: true, kind: "message-with-body", body }, from)
  }
  if (encrypted) return withSender({ important: true, kind: "encrypted-message" }, from)
  if (proposal) {
    return withSender({ important: true, kind: "call-proposal" }, from)
  }
  return withSender({ important: false, kind: "other-message" }, from)
}

const forwardedMessage = (carbon: Element): Element | undefined =>
  carbon.getChild("forwarded", FORWARD_NS)?.getChild("message")

/** Classifies a stanza for the push rules: important or not, its sender and body. */
export const classifyStanza = (stanza: Element): StanzaFacts => {
  if (stanza.name === "presence") return { important: false, kind: "presence" }
  if (stanza.name === "iq") return { important: false, kind: "iq" }
  if (stanza.name !== "message") return { important: false, kind: "other" }
  if (stanza.getChild("sent", CARBONS_NS) !== undefined) {
    return { important: false, kind: "sent-carbon" }
  }
  const received = stanza.getChild("received", CARBONS_NS)
  if (received !== undefined) {
    const inner = forwardedMessage(received)
    return inner === undefined
      ? { important: false, kind: "other-message" }
      : classifyMessage(inner)
  }
  return classifyMessage(stanza)
}
