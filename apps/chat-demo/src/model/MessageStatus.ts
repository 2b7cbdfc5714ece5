// The live status of a sent message, in words a person understands, derived from the AMP
// replies of XEP-0079 (§3.4 actions, §6 errors, spec §5 reply shapes) as @xmpp-amp/client
// types them, and from XEP-0184 receipts sent by the recipient's app.
import type { AmpEvent } from "@xmpp-amp/client"

/** Where a sent message is. The last four are final. */
export type MessageState =
  | "sending"
  | "sent"
  | "stored"
  | "delivered"
  | "dropped"
  | "expired"
  | "failed"

/** A state plus one sentence saying what it means. */
export interface MessageStatus {
  readonly state: MessageState
  readonly detail: string
}

const progress: Readonly<Record<MessageState, number>> = {
  sending: 0,
  sent: 1,
  stored: 2,
  delivered: 3,
  dropped: 4,
  expired: 4,
  failed: 4,
}

/** True for dropped, expired and failed: nothing more will happen to the message. */
export const isFinal = (state: MessageState): boolean => progress[state] === 4

/** Moves to `next` unless that would go backwards (a late or repeated reply changes nothing). */
export const advance = (current: MessageStatus, next: MessageStatus): MessageStatus =>
  isFinal(current.state) || progress[next.state] <= progress[current.state] ? current : next

/** The status right after the server took the message. */
export const sentStatus = (peer: string): MessageStatus => ({
  state: "sent",
  detail: `Sent to the server on its way to ${peer}.`,
})

const conditionWords: Readonly<Record<string, string>> = {
  "service-unavailable": "the recipient's server cannot take it (is the address right?)",
  "item-not-found": "there is no such user",
  "remote-server-not-found": "their server could not be reached",
  "remote-server-timeout": "their server did not answer in time",
  "internal-server-error": "the server failed while handling it",
  "not-acceptable": "the server refused it",
  "bad-request": "the server found it malformed",
  forbidden: "you are not allowed to send it",
  "policy-violation": "it breaks the server's rules (is it too long?)",
  "recipient-unavailable": "the recipient is not available",
}

/** Plain words for an XMPP stanza error condition (RFC 6120 §8.3.3). */
export const explainCondition = (condition: string | undefined, text?: string): string => {
  const words = condition === undefined ? undefined : conditionWords[condition]
  return words ?? text ?? (condition === undefined ? "an unknown error" : condition)
}

/** The status a stopped rule leads to, by its condition. */
const stoppedBy = (
  condition: string | undefined,
  value: string | undefined,
  peer: string,
): MessageStatus => {
  switch (condition) {
    case "expire-at":
      return {
        state: "expired",
        detail: `Expired: ${peer} did not get it in time, so the server deleted it.`,
      }
    case "match-resource":
      return {
        state: "dropped",
        detail: "Not delivered: the device you chose is no longer online.",
      }
    default:
      return value === "stored"
        ? {
            state: "dropped",
            detail: `Not stored: ${peer} was offline and you chose not to store it.`,
          }
        : { state: "dropped", detail: `Not delivered: the server stopped it (${value ?? "?"}).` }
  }
}

/** The status a notification of how the message was handled leads to. */
const notified = (condition: string | undefined, value: string | undefined, peer: string) => {
  if (condition !== "deliver") return undefined
  switch (value) {
    case "direct":
      return { state: "delivered", detail: `Delivered to ${peer}'s device.` } as const
    case "stored":
      return {
        state: "stored",
        detail: `Stored: ${peer} is offline and gets it at their next sign-in.`,
      } as const
    case "none":
      return {
        state: "failed",
        detail: `Not delivered: ${peer} could not get it and the server could not keep it.`,
      } as const
    default:
      return undefined
  }
}

const rejectedWords = {
  "not-acceptable":
    "The server refused the delivery options: they work only with contacts who share their presence with you.",
  "unsupported-actions": "The server does not support one of the delivery options you chose.",
  "unsupported-conditions": "The server does not support one of the delivery options you chose.",
} as const

/** The status after an AMP reply; undefined when the reply changes nothing the user sees. */
export const statusFromEvent = (event: AmpEvent, peer: string): MessageStatus | undefined => {
  switch (event.type) {
    case "notified":
      return notified(event.condition, event.value, peer)
    case "alerted":
    case "failed":
      return stoppedBy(event.rule?.condition, event.rule?.value, peer)
    case "rejected":
      return { state: "failed", detail: `Not sent: ${rejectedWords[event.kind]}` }
    case "service-unavailable":
      return {
        state: "failed",
        detail: `Not delivered: delivery options are not available on the way to ${peer}.`,
      }
    case "bounced":
      return {
        state: "failed",
        detail: `Not delivered: ${explainCondition(event.condition, event.text)}.`,
      }
  }
}

/** The status after the recipient's app confirmed receipt (XEP-0184). */
export const receivedStatus = (peer: string): MessageStatus => ({
  state: "delivered",
  detail: `Delivered: ${peer}'s app confirmed it arrived.`,
})

/** The status after a plain error bounce of a message sent without AMP (RFC 6120 §8.3). */
export const bouncedStatus = (condition: string | undefined, text?: string): MessageStatus => ({
  state: "failed",
  detail: `Not delivered: ${explainCondition(condition, text)}.`,
})
