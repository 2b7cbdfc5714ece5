// A notify or alert reply (XEP-0079 §3.4.1, §3.4.4) written straight as XML text: exactly the
// text of `statusReply(context, status, rule).toString()`, without building its three elements
// and serializing them. A server that writes replies as text (the hot path sends one per
// `deliver=direct notify` message) saves most of a reply's allocation this way; the parts that
// repeat (up to the id for one sender, the rule's part for a shared rule) are made once.
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

/** The text after `<amp … to="…`: the rule that fired and the closing tags. */
const ruleTail = (rule: AmpRule | RuleText): string =>
  `"><rule${attribute("action", rule.action)}${attribute("condition", rule.condition)}${attribute("value", rule.value)}/></amp></message>`

type Rule = AmpRule | RuleText
type Status = "notify" | "alert"

/** The tail of each rule object, per status: computed once for a shared (interned) rule. */
const tails = {
  notify: new WeakMap<Rule, string>(),
  alert: new WeakMap<Rule, string>(),
}

const tailOf = (status: Status, rule: Rule): string => {
  const known = tails[status].get(rule)
  if (known !== undefined) return known
  const made = ruleTail(rule)
  if (Object.isFrozen(rule)) tails[status].set(rule, made)
  return made
}

/** The text every reply of one status from one server to one sender starts with. */
interface Head {
  readonly serverDomain: string
  /** `<message from="…" to="…" id="` (the id follows). */
  readonly beforeId: string
  /** `"><amp xmlns="…" status="…" from="…" to="` (after the id; the original `to` follows). */
  readonly afterId: string
  /** `<message from="…" to="…"><amp xmlns="…" status="…" from="…" to="` (a reply without id). */
  readonly withoutId: string
}

/** Heads by sender, per status; cleared when full (senders are as many as sessions). */
const MAX_HEADS = 4096
const heads = { notify: new Map<string, Head>(), alert: new Map<string, Head>() }

const makeHead = (serverDomain: string, sender: string, status: Status): Head => {
  const to = escaped(sender)
  const message = `<message from="${escaped(serverDomain)}" to="${to}"`
  const amp = `<amp xmlns="${AMP_NS}" status="${status}" from="${to}" to="`
  return {
    serverDomain,
    beforeId: `${message} id="`,
    afterId: `">${amp}`,
    withoutId: `${message}>${amp}`,
  }
}

const headOf = (context: ReplyContext, status: Status): Head => {
  const byStatus = heads[status]
  const known = byStatus.get(context.sender)
  if (known !== undefined && known.serverDomain === context.serverDomain) return known
  const made = makeHead(context.serverDomain, context.sender, status)
  if (byStatus.size >= MAX_HEADS) byStatus.clear()
  byStatus.set(context.sender, made)
  return made
}

/**
 * The text of `statusReply(context, status, rule)`, character for character (the property
 * test in test/ReplyText.property.test.ts holds them equal). Example:
 * `statusReplyText({ serverDomain: "example.com", sender: "a@example.com/r", originalTo:
 * "b@example.com", id: "m1" }, "notify", rule)`. What repeats (the text up to the id for this
 * sender, the rule's part) is made once, so a reply costs the joining of five pieces.
 */
export const statusReplyText = (context: ReplyContext, status: Status, rule: Rule): string => {
  const head = headOf(context, status)
  const to = escaped(context.originalTo)
  const tail = tailOf(status, rule)
  return context.id === undefined
    ? `${head.withoutId}${to}${tail}`
    : `${head.beforeId}${escaped(context.id)}${head.afterId}${to}${tail}`
}
