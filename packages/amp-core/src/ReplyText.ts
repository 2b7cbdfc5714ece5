// A notify or alert reply (XEP-0079 §3.4.1, §3.4.4) written straight as XML text: exactly the
// text of `statusReply(context, status, rule).toString()`, without building its three elements
// and serializing them. A server that writes replies as text (the hot path sends one per
// `deliver=direct notify` message) saves most of a reply's allocation this way; the rule's part
// of the text is made once per rule object and status (shared rules repeat it).
import { escapeXML } from "@xmpp/xml"
import type { AmpRule, RuleText } from "./Model.js"
import { AMP_NS } from "./Namespaces.js"
import type { ReplyContext } from "./Replies.js"

const special = /["&'<>]/

/** An attribute value as ltx writes it (escaped only when it holds a special character). */
const escaped = (value: string): string => (special.test(value) ? escapeXML(value) : value)

/** ` name="value"` for a set value, "" for an unset one (ltx skips those). */
const attribute = (name: string, value: string | undefined): string =>
  value === undefined ? "" : ` ${name}="${escaped(value)}"`

/** The text after `<amp … to="…"`: the rule that fired and the closing tags. */
const ruleTail = (rule: AmpRule | RuleText): string =>
  `><rule${attribute("action", rule.action)}${attribute("condition", rule.condition)}${attribute("value", rule.value)}/></amp></message>`

type Rule = AmpRule | RuleText

/** The tail of each rule object, per status: computed once for a shared (interned) rule. */
const tails = {
  notify: new WeakMap<Rule, string>(),
  alert: new WeakMap<Rule, string>(),
}

const tailOf = (status: "notify" | "alert", rule: Rule): string => {
  const known = tails[status].get(rule)
  if (known !== undefined) return known
  const made = ruleTail(rule)
  if (Object.isFrozen(rule)) tails[status].set(rule, made)
  return made
}

/**
 * The text of `statusReply(context, status, rule)`, character for character (the property
 * test in test/ReplyText.property.test.ts holds them equal). Example:
 * `statusReplyText({ serverDomain: "example.com", sender: "a@example.com/r", originalTo:
 * "b@example.com", id: "m1" }, "notify", rule)`.
 */
export const statusReplyText = (
  context: ReplyContext,
  status: "notify" | "alert",
  rule: Rule,
): string => {
  const sender = escaped(context.sender)
  const id = context.id === undefined ? "" : ` id="${escaped(context.id)}"`
  return `<message from="${escaped(context.serverDomain)}" to="${sender}"${id}><amp xmlns="${AMP_NS}" status="${status}" from="${sender}" to="${escaped(context.originalTo)}"${tailOf(status, rule)}`
}
