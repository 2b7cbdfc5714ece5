// The typed events a tracked message can receive, derived from the server's replies
// (XEP-0079 §3.4, §6; spec §5) as classified by amp-core's errata-tolerant `parseReply`.
import {
  type AmpReply,
  type Element,
  type RuleText,
  STANZAS_NS,
  type ValidationKind,
} from "@xmpp-amp/amp-core"

interface EventBase {
  /** The id of the tracked message. */
  readonly id: string
  /** The reply stanza as received. */
  readonly stanza: Element
}

/** A `notify` rule fired (§3.4.4): the message went on; `value` says how (direct, stored, none…). */
export interface NotifiedEvent extends EventBase {
  readonly type: "notified"
  /** The rule that fired, as echoed by the server. */
  readonly rule: RuleText | undefined
  /** The condition of that rule (`deliver`, `expire-at`, `match-resource`). */
  readonly condition: string | undefined
  /** The value of that rule: for `deliver`, `direct`, `stored`, `none`, `forward` or `gateway`. */
  readonly value: string | undefined
}

/** An `alert` rule fired (§3.4.1): the message was discarded and the sender told. */
export interface AlertedEvent extends EventBase {
  readonly type: "alerted"
  /** The rule that fired. */
  readonly rule: RuleText | undefined
}

/** An `error` rule fired (§3.4.3): the message was not processed; `rule` is the failed rule. */
export interface FailedEvent extends EventBase {
  readonly type: "failed"
  /** The (first) failed rule. */
  readonly rule: RuleText | undefined
  /** Every rule listed in `<failed-rules/>` (normally one, erratum E15). */
  readonly rules: readonly RuleText[]
}

/** The server refused the rules (§2.2.1, §6): nothing was delivered. */
export interface RejectedEvent extends EventBase {
  readonly type: "rejected"
  /** `not-acceptable`, `unsupported-actions` or `unsupported-conditions`. */
  readonly kind: ValidationKind
  /** The offending rules. */
  readonly rules: readonly RuleText[]
}

/** AMP is not available along the route (§6.2.4): the message was not delivered. */
export interface ServiceUnavailableEvent extends EventBase {
  readonly type: "service-unavailable"
}

/** The server bounced the message with a plain stanza error and no AMP content (spec §2). */
export interface BouncedEvent extends EventBase {
  readonly type: "bounced"
  /** The RFC 6120 condition, e.g. `bad-request`. */
  readonly condition: string | undefined
  /** The error's human-readable text, if any. */
  readonly text: string | undefined
}

/** Any event of a tracked message. */
export type AmpEvent =
  | NotifiedEvent
  | AlertedEvent
  | FailedEvent
  | RejectedEvent
  | ServiceUnavailableEvent
  | BouncedEvent

/** The name of an event type. */
export type AmpEventType = AmpEvent["type"]

/** The event for an AMP reply to the message `id`. */
export const eventFromReply = (id: string, reply: AmpReply, stanza: Element): AmpEvent => {
  const [first] = reply.rules
  switch (reply.kind) {
    case "notify":
      return {
        type: "notified",
        id,
        stanza,
        rule: first,
        condition: first?.condition,
        value: first?.value,
      }
    case "alert":
      return { type: "alerted", id, stanza, rule: first }
    case "error-action":
      return { type: "failed", id, stanza, rule: first, rules: reply.rules }
    case "service-unavailable":
      return { type: "service-unavailable", id, stanza }
    default:
      return { type: "rejected", id, stanza, kind: reply.kind, rules: reply.rules }
  }
}

/** The event for a plain error bounce (`<message type='error'>` without AMP content). */
export const bounceEvent = (id: string, stanza: Element): BouncedEvent => {
  const error = stanza.getChild("error")
  const conditions = error?.getChildElements().filter((child) => child.getNS() === STANZAS_NS)
  const condition = conditions?.find((child) => child.getName() !== "text")
  const text = conditions?.find((child) => child.getName() === "text")?.getText()
  return { type: "bounced", id, stanza, condition: condition?.getName(), text }
}
