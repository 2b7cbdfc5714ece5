// The one error type of @xmpp-amp/client: every refusal before sending (invalid rules, rules
// the server does not support, AMP not offered, a malformed message) is a value with a reason.
import type { RuleText, ValidationKind } from "@xmpp-amp/amp-core"

/** Why the client refused to act. */
export type AmpClientErrorReason =
  /** A rule is malformed: missing attribute, unknown name, or a value outside its set (XEP-0079 §4.2). */
  | "invalid-rules"
  /** The server's discovery says it does not support these actions or conditions (§2.1.1). */
  | "unsupported-rules"
  /** The server advertises no AMP support at all (§2.1.1). */
  | "amp-unavailable"
  /** Discovery got no answer (timeout or lost connection); nothing was sent, try again later. */
  | "discovery-failed"
  /** The stanza cannot carry rules: not a `<message/>`, an error, or it already has `<amp/>`. */
  | "invalid-message"
  /** Another tracked message already uses this id. */
  | "duplicate-id"
  /** A push enable/disable request is missing its service JID or node (XEP-0357 §5). */
  | "invalid-push-request"

/** Options of an `AmpClientError`. */
export interface AmpClientErrorDetails {
  /** The rules at issue, as written. */
  readonly rules?: readonly RuleText[]
  /** For `invalid-rules` / `unsupported-rules`: which validation check failed. */
  readonly kind?: ValidationKind
}

/** Writes a rule as `action='…' condition='…' value='…'` for error messages. */
export const describeRule = (rule: RuleText): string =>
  `action='${rule.action ?? ""}' condition='${rule.condition ?? ""}' value='${rule.value ?? ""}'`

/** An error raised by the AMP client, with a machine-readable `reason` and the rules at issue. */
export class AmpClientError extends Error {
  /** What went wrong. */
  readonly reason: AmpClientErrorReason
  /** The offending rules (empty when the error is not about rules). */
  readonly rules: readonly RuleText[]
  /** The validation kind, for rule errors. */
  readonly kind: ValidationKind | undefined

  constructor(reason: AmpClientErrorReason, message: string, details: AmpClientErrorDetails = {}) {
    super(message)
    this.name = "AmpClientError"
    this.reason = reason
    this.rules = details.rules ?? []
    this.kind = details.kind
  }
}
