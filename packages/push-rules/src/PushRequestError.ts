// XEP-0357 §5 and §6 error cases, and RFC 6120 §8.3 stanza errors: every way an `<enable/>`,
// `<disable/>` or publish IQ can be refused, as a value with a reason and its XMPP condition.
import xml, { type Element } from "@xmpp/xml"
import { STANZAS_NS } from "./Namespaces.js"

/** Why a push request or element was refused. */
export type PushRequestErrorReason =
  | "not-an-iq-set"
  | "missing-element"
  | "missing-jid"
  | "malformed-jid"
  | "missing-node"
  | "jid-is-own-account"
  | "too-many-forms"
  | "form-not-submit"
  | "wrong-form-type"
  | "malformed-form"
  | "missing-notification"
  | "malformed-summary"

/** RFC 6120 §8.3.3 conditions the push requests can be refused with. */
export type StanzaErrorCondition = "bad-request" | "jid-malformed" | "not-acceptable"

/** RFC 6120 §8.3.2 error types. */
export type StanzaErrorType = "auth" | "cancel" | "continue" | "modify" | "wait"

const conditionOfReason: Record<PushRequestErrorReason, StanzaErrorCondition> = {
  "not-an-iq-set": "bad-request",
  "missing-element": "bad-request",
  "missing-jid": "bad-request",
  "malformed-jid": "jid-malformed",
  "missing-node": "bad-request",
  "jid-is-own-account": "bad-request",
  "too-many-forms": "bad-request",
  "form-not-submit": "bad-request",
  "wrong-form-type": "bad-request",
  "malformed-form": "bad-request",
  "missing-notification": "bad-request",
  "malformed-summary": "bad-request",
}

/** A refused push request: `reason` says why, `condition` is the XMPP error to answer with. */
export class PushRequestError extends Error {
  /** Discriminant, for `switch` and tagged-error recovery at the edges. */
  readonly _tag = "PushRequestError"
  /** The RFC 6120 condition this reason is answered with. */
  readonly condition: StanzaErrorCondition
  /** The RFC 6120 error type (`modify` for every push request error). */
  readonly type: StanzaErrorType = "modify"

  constructor(
    /** Why the request was refused. */
    readonly reason: PushRequestErrorReason,
    message: string,
  ) {
    super(message)
    this.name = "PushRequestError"
    this.condition = conditionOfReason[reason]
  }

  /** The `<error/>` element for this refusal, with the reason as human-readable `<text/>`. */
  toElement(): Element {
    return xml(
      "error",
      { type: this.type },
      xml(this.condition, { xmlns: STANZAS_NS }),
      xml("text", { xmlns: STANZAS_NS }, this.message),
    )
  }
}

/** A parse outcome: the value, or the error explaining what is wrong with the input. */
export type ParseResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: PushRequestError }

/** A successful parse. */
export const parsed = <T>(value: T): ParseResult<T> => ({ ok: true, value })

/** A failed parse with its reason. */
export const refused = <T>(reason: PushRequestErrorReason, message: string): ParseResult<T> => ({
  ok: false,
  error: new PushRequestError(reason, message),
})
