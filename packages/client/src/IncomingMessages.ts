// Sorting incoming `<message/>` stanzas for AMP (XEP-0079 §2.2.5, spec §5): replies matched by
// id and accepted only from the user's own server (so no contact can fake a receipt), plain
// error bounces of tracked messages (from the server, or from the recipient's address as
// RFC 6121 §8.5 bounces are), and messages from others that still carry an `<amp/>` request.
import {
  AMP,
  type AmpReply,
  type Element,
  findAmpElement,
  isAmpRequest,
  parseReply,
  type RuleText,
  readAttribute,
  readElement,
  readRuleList,
} from "@xmpp-amp/amp-core"
import { type AmpEvent, bounceEvent, eventFromReply } from "./AmpEvents.js"

/** Why an AMP reply was not given to any tracker. */
export type IgnoredReason =
  /** The reply did not come from the user's own server (a contact cannot fake a receipt). */
  | "foreign-sender"
  /** No tracked message has this id (already settled, closed, or never sent by this client). */
  | "unknown-id"

/** What an incoming message is, for AMP. */
export type IncomingAmp =
  | { readonly kind: "event"; readonly event: AmpEvent }
  | {
      readonly kind: "ignored"
      readonly reason: IgnoredReason
      readonly reply: AmpReply | undefined
    }
  | {
      readonly kind: "request-copy"
      readonly rules: readonly RuleText[]
      readonly perHop: string | undefined
    }
  | { readonly kind: "unrelated" }

/** True when `from` is the user's own server: no `from` (RFC 6120 §8.1.2.1) or its domain. */
export const isFromServer = (stanza: Element, serverDomain: string | undefined): boolean => {
  const from = readAttribute(stanza, "from")
  if (from === undefined) return true
  return serverDomain !== undefined && from.toLowerCase() === serverDomain.toLowerCase()
}

/** What the plugin knows of a tracked message: its recipient, if known. */
export interface TrackedMessage {
  /** The message's `to`, as written. */
  readonly to: string | undefined
}

const bare = (jid: string): string => (jid.split("/")[0] ?? jid).toLowerCase()

/** True when a plain bounce may come from `from`: the server, or the message's recipient. */
const mayBounce = (stanza: Element, serverDomain: string | undefined, to: string | undefined) => {
  if (isFromServer(stanza, serverDomain)) return true
  const from = readAttribute(stanza, "from")
  return from !== undefined && to !== undefined && bare(from) === bare(to)
}

/** Classifies an incoming stanza; `lookup` finds a tracked message by id. */
export const classifyIncoming = (
  stanza: Element,
  serverDomain: string | undefined,
  lookup: (id: string) => TrackedMessage | undefined,
): IncomingAmp => {
  if (stanza.getName() !== "message") return { kind: "unrelated" }
  const id = readAttribute(stanza, "id")
  const reply = parseReply(stanza)
  if (reply === undefined) {
    if (isAmpRequest(stanza)) {
      const amp = findAmpElement(stanza) as Element
      return {
        kind: "request-copy",
        rules: readRuleList(amp),
        perHop: readElement(AMP, amp).perHop,
      }
    }
    const tracked = id === undefined ? undefined : lookup(id)
    const bounce =
      readAttribute(stanza, "type") === "error" &&
      tracked !== undefined &&
      mayBounce(stanza, serverDomain, tracked.to)
    return bounce && id !== undefined
      ? { kind: "event", event: bounceEvent(id, stanza) }
      : { kind: "unrelated" }
  }
  if (!isFromServer(stanza, serverDomain)) {
    return { kind: "ignored", reason: "foreign-sender", reply }
  }
  if (id === undefined || lookup(id) === undefined) {
    return { kind: "ignored", reason: "unknown-id", reply }
  }
  return { kind: "event", event: eventFromReply(id, reply, stanza) }
}
