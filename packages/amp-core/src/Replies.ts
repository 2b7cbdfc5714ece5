// The replies a server sends to the sender of an AMP message: XEP-0079 §2.2.5, §3.4, §6 and
// spec §5 (notify/alert, the `error` action, validation errors) and spec §2 (structural bounce).
// Every reply is a `<message/>` from the server domain to the sender's full JID with the
// original id and none of the original payload.
import xml, { type Element } from "@xmpp/xml"
import {
  AMP,
  type ElementDeclaration,
  FAILED_RULES,
  INVALID_RULES,
  UNSUPPORTED_ACTIONS,
  UNSUPPORTED_CONDITIONS,
  writeElement,
} from "./Declarations.js"
import type { AmpAction, AmpRule, RuleText } from "./Model.js"
import { STANZAS_NS } from "./Namespaces.js"
import { writeRule } from "./Rules.js"
import type { ValidationKind } from "./Validation.js"
import { element } from "./Xml.js"

/** Who a reply is about: the server, the sender's full JID, the original `to` and message id. */
export interface ReplyContext {
  /** The server's domain: the reply's `from`. */
  readonly serverDomain: string
  /** The sender's full JID: the reply's `to` and `<amp from>`. */
  readonly sender: string
  /** The original message's `to`, exactly as written: `<amp to>`. */
  readonly originalTo: string
  /** The original message's `id`. */
  readonly id: string
}

/** The statuses a server writes on `<amp/>` of a reply (§4.1: the action that fired). */
export type ReplyStatus = Exclude<AmpAction, "drop">

type Rules = readonly (AmpRule | RuleText)[]

const message = (
  context: Pick<ReplyContext, "serverDomain" | "sender"> & { readonly id?: string | undefined },
  type: "error" | undefined,
  ...children: Element[]
): Element => {
  // Only the attributes that are set (xml() would delete undefined ones, which turns the
  // attributes object into a slow dictionary for every reply).
  const attributes: Record<string, string> = { from: context.serverDomain, to: context.sender }
  if (context.id !== undefined) attributes.id = context.id
  if (type !== undefined) attributes.type = type
  return element("message", attributes, children)
}

const ampCopy = (context: ReplyContext, status: ReplyStatus, rules: Rules): Element =>
  writeElement(AMP, { status, from: context.sender, to: context.originalTo }, rules.map(writeRule))

const stanzaError = (
  type: "modify" | "cancel" | "wait",
  code: string,
  condition: string,
  ...children: Element[]
): Element => xml("error", { type, code }, xml(condition, { xmlns: STANZAS_NS }), ...children)

/** A notify or alert reply: `<amp status='notify|alert' from to>` with the rule that fired. */
export const statusReply = (
  context: ReplyContext,
  status: "notify" | "alert",
  rule: AmpRule | RuleText,
): Element => message(context, undefined, ampCopy(context, status, [rule]))

/** The reply of a rule whose `notify` action fired (§3.4.4). */
export const notifyReply = (context: ReplyContext, rule: AmpRule | RuleText): Element =>
  statusReply(context, "notify", rule)

/** The reply of a rule whose `alert` action fired (§3.4.1). */
export const alertReply = (context: ReplyContext, rule: AmpRule | RuleText): Element =>
  statusReply(context, "alert", rule)

/** The reply of a rule whose `error` action fired: undefined-condition, code 500, failed-rules. */
export const errorActionReply = (context: ReplyContext, rule: AmpRule | RuleText): Element =>
  message(
    context,
    "error",
    ampCopy(context, "error", [rule]),
    stanzaError(
      "modify",
      "500",
      "undefined-condition",
      writeElement(FAILED_RULES, {}, [writeRule(rule)]),
    ),
  )

/** The reply for the action of a fired rule, or `undefined` for `drop` (silent, §3.4.2). */
export const actionReply = (context: ReplyContext, rule: AmpRule): Element | undefined => {
  switch (rule.action) {
    case "notify":
    case "alert":
      return statusReply(context, rule.action, rule)
    case "error":
      return errorActionReply(context, rule)
    case "drop":
      return undefined
  }
}

/** Stanza error condition, legacy code and rule container of each validation kind (§6). */
export const VALIDATION_ERRORS: Readonly<
  Record<
    ValidationKind,
    {
      readonly condition: string
      readonly code: string
      readonly container: ElementDeclaration<never>
    }
  >
> = {
  "not-acceptable": { condition: "not-acceptable", code: "406", container: INVALID_RULES },
  "unsupported-actions": { condition: "bad-request", code: "400", container: UNSUPPORTED_ACTIONS },
  "unsupported-conditions": {
    condition: "bad-request",
    code: "400",
    container: UNSUPPORTED_CONDITIONS,
  },
}

/** A validation error (spec §3, §5): condition + container listing the rules, and the amp copy. */
export const validationErrorReply = (
  context: ReplyContext,
  kind: ValidationKind,
  rules: Rules,
): Element => {
  const { condition, code, container } = VALIDATION_ERRORS[kind]
  return message(
    context,
    "error",
    ampCopy(context, "error", rules),
    stanzaError("modify", code, condition, writeElement(container, {}, rules.map(writeRule))),
  )
}

/** Who a structural bounce goes to; `id` is left out when the request had none. */
export interface BounceContext {
  /** The server's domain: the bounce's `from`. */
  readonly serverDomain: string
  /** The sender's full JID. */
  readonly sender: string
  /** The message id, if it had a non-empty one. */
  readonly id?: string | undefined
}

/** The bad-request bounce of a structural rejection (spec §2), without any `<amp/>` copy. */
export const structuralRejectionReply = (context: BounceContext, text: string): Element =>
  message(
    context,
    "error",
    stanzaError(
      "modify",
      "400",
      "bad-request",
      xml("text", { xmlns: STANZAS_NS, "xml:lang": "en" }, text),
    ),
  )
