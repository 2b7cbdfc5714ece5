// Reading AMP replies on the client (XEP-0079 §3.4, §6, spec §5), tolerant of the XEP errata:
// failed-rules in either namespace (E2), swapped or bare amp from/to (E3), no type='error' or
// no status (E4, E5), code 405 or 406 (E8: codes are ignored), Example 24's body (E6).
import type { Element } from "@xmpp/xml"
import {
  AMP,
  declaredChildren,
  FAILED_RULES,
  INVALID_RULES,
  readElement,
  UNSUPPORTED_ACTIONS,
  UNSUPPORTED_CONDITIONS,
} from "./Declarations.js"
import type { RuleText } from "./Model.js"
import { AMP_NS, STANZAS_NS } from "./Namespaces.js"
import { readRuleList } from "./Rules.js"
import type { ValidationKind } from "./Validation.js"
import { childElements, readAttribute } from "./Xml.js"

/** What kind of AMP reply a message is. */
export type AmpReplyKind =
  | "notify"
  | "alert"
  | "error-action"
  | ValidationKind
  | "service-unavailable"

/** A classified AMP reply, keyed by the `id` of the request it answers. */
export interface AmpReply {
  /** The kind of reply. */
  readonly kind: AmpReplyKind
  /** The message `id`: the id of the request (R1.3-c); undefined when the reply had none. */
  readonly id: string | undefined
  /** The rules the reply is about, as written (failed/invalid/unsupported rules, or the amp copy). */
  readonly rules: readonly RuleText[]
  /** `<amp from>` as written (should be the sender; some servers swap it, E3). */
  readonly ampFrom: string | undefined
  /** `<amp to>` as written (should be the original recipient; may be bare, E3). */
  readonly ampTo: string | undefined
  /** The reply's `from` (normally the server's domain). */
  readonly from: string | undefined
}

const errorContainers = [
  ["error-action", FAILED_RULES.name, [FAILED_RULES.namespace, AMP_NS]],
  ["not-acceptable", INVALID_RULES.name, [AMP_NS]],
  ["unsupported-actions", UNSUPPORTED_ACTIONS.name, [AMP_NS]],
  ["unsupported-conditions", UNSUPPORTED_CONDITIONS.name, [AMP_NS]],
] as const

const fromErrorElement = (
  error: Element,
): { kind: AmpReplyKind; rules: RuleText[] | undefined } | undefined => {
  for (const [kind, name, namespaces] of errorContainers) {
    for (const namespace of namespaces) {
      const container = childElements(error, name, namespace)[0]
      if (container !== undefined) return { kind, rules: readRuleList(container) }
    }
  }
  if (childElements(error, "service-unavailable", STANZAS_NS).length > 0) {
    return { kind: "service-unavailable", rules: undefined }
  }
  if (childElements(error, "undefined-condition", STANZAS_NS).length > 0) {
    return { kind: "error-action", rules: undefined }
  }
  return undefined
}

const fromStatus = (status: string | undefined): AmpReplyKind | undefined => {
  switch (status) {
    case "notify":
    case "alert":
      return status
    case "error":
      return "error-action"
    default:
      return undefined
  }
}

/**
 * Classifies a `<message/>` as an AMP reply, or returns `undefined` when it is not one: a
 * request, an unrelated message, or a stanza error that only bounces the original (with its
 * status-less `<amp/>`) for another reason — match those to the request by `id`.
 */
export const parseReply = (message: Element): AmpReply | undefined => {
  if (message.getName() !== "message") return undefined
  const amp = declaredChildren(message, AMP)[0]
  const fields = amp === undefined ? {} : readElement(AMP, amp)
  const error = message.getChildElements().find((child) => child.getName() === "error")
  const fromError = error === undefined ? undefined : fromErrorElement(error)
  const resolved = fromError?.kind ?? fromStatus(fields.status)
  if (resolved === undefined) return undefined
  if (amp === undefined && fromError?.rules === undefined) return undefined
  const ampRules = amp === undefined ? [] : readRuleList(amp)
  const rules =
    fromError?.rules !== undefined && fromError.rules.length > 0 ? fromError.rules : ampRules
  return {
    kind: resolved,
    id: readAttribute(message, "id"),
    rules,
    ampFrom: fields.from,
    ampTo: fields.to,
    from: readAttribute(message, "from"),
  }
}
