// XEP-0357 §7: the `urn:xmpp:push:summary` form a notification carries, as a typed record.
import { type DataForm, fieldValue, formTypeOf, submitForm } from "./DataForm.js"
import { PUSH_SUMMARY_FORM_TYPE } from "./Namespaces.js"
import { type ParseResult, parsed, refused } from "./PushRequestError.js"

/** What a push tells the app server; every field is optional (XEP-0357 §7). */
export interface NotificationSummary {
  /** Unread messages since the user's last active session (`message-count`). */
  readonly messageCount?: number
  /** Bare JID of the last message's sender (`last-message-sender`). */
  readonly lastMessageSender?: string
  /** Body of the last message, or the placeholder text (`last-message-body`). */
  readonly lastMessageBody?: string
  /** Pending subscription requests (`pending-subscription-count`). */
  readonly pendingSubscriptionCount?: number
}

const countOf = (text: string | undefined): number | undefined | "bad" => {
  if (text === undefined) return undefined
  return /^\d+$/.test(text) ? Number(text) : "bad"
}

/** The summary as a `submit` form with FORM_TYPE `urn:xmpp:push:summary`. */
export const summaryToForm = (summary: NotificationSummary): DataForm =>
  submitForm(PUSH_SUMMARY_FORM_TYPE, {
    "message-count": summary.messageCount?.toString(),
    "last-message-sender": summary.lastMessageSender,
    "last-message-body": summary.lastMessageBody,
    "pending-subscription-count": summary.pendingSubscriptionCount?.toString(),
  })

/** Reads a summary form; refuses a wrong FORM_TYPE or a count that is not a whole number. */
export const summaryFromForm = (form: DataForm): ParseResult<NotificationSummary> => {
  if (formTypeOf(form) !== PUSH_SUMMARY_FORM_TYPE) {
    return refused("malformed-summary", `summary FORM_TYPE must be '${PUSH_SUMMARY_FORM_TYPE}'`)
  }
  const messageCount = countOf(fieldValue(form, "message-count"))
  const pendingSubscriptionCount = countOf(fieldValue(form, "pending-subscription-count"))
  if (messageCount === "bad" || pendingSubscriptionCount === "bad") {
    return refused("malformed-summary", "summary counts must be non-negative integers")
  }
  const lastMessageSender = fieldValue(form, "last-message-sender")
  const lastMessageBody = fieldValue(form, "last-message-body")
  return parsed({
    ...(messageCount === undefined ? {} : { messageCount }),
    ...(lastMessageSender === undefined ? {} : { lastMessageSender }),
    ...(lastMessageBody === undefined ? {} : { lastMessageBody }),
    ...(pendingSubscriptionCount === undefined ? {} : { pendingSubscriptionCount }),
  })
}
