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

const encryptedPayloads: readonly (readonly [string, string])[] = [
  ["encrypted", OMEMO_LEGACY_NS],
  ["encrypted", OMEMO_NS],
  ["openpgp", OPENPGP_NS],
  ["x", LEGACY_PGP_NS],
]

const isEncrypted = (message: Element): boolean =>
  encryptedPayloads.some(([name, xmlns]) => message.getChild(name, xmlns) !== undefined)

const withSender = (facts: StanzaFacts, from: unknown): StanzaFacts =>
  typeof from === "string" && from.length > 0 ? { ...facts, sender: bareJid(from) } : facts

const classifyMessage = (message: Element): StanzaFacts => {
  const from = message.attrs.from
  if (message.attrs.type === "error")
    return withSender({ important: false, kind: "other-message" }, from)
  const body = message.getChildText("body")
  if (body !== null && body.trim().length > 0) {
    return withSender({ important: true, kind: "message-with-body", body }, from)
  }
  if (isEncrypted(message)) return withSender({ important: true, kind: "encrypted-message" }, from)
  if (message.getChild("propose", JINGLE_MESSAGE_NS) !== undefined) {
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
