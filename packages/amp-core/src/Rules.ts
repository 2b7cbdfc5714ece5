// Reading and writing `<rule/>` (XEP-0079 §4.2) through its declaration, and the rule lists
// carried by `<amp/>` and by the error containers of §6.
import type { Element } from "@xmpp/xml"
import { RULE, readElement, writeElement } from "./Declarations.js"
import { type AmpRule, type RuleText, ruleText } from "./Model.js"
import { readAttribute } from "./Xml.js"

/** Reads a `<rule/>` element's attributes exactly as written. */
export const readRuleText = (element: Element): RuleText => {
  const { action, condition, value } = RULE.attributes
  const fields = {
    action: readAttribute(element, action),
    condition: readAttribute(element, condition),
    value: readAttribute(element, value),
  }
  const complete = fields.action !== undefined && fields.condition !== undefined
  return complete && fields.value !== undefined ? (fields as RuleText) : readElement(RULE, element)
}

/** Writes a `<rule/>` (namespace inherited from its parent), attributes unchanged. */
export const writeRule = (rule: AmpRule | RuleText): Element =>
  writeElement(RULE, ruleText(rule), [], false)

/** The `<rule/>` children of an element, whatever namespace they inherit (erratum E2). */
export const readRuleList = (container: Element): RuleText[] =>
  container
    .getChildElements()
    .filter((child) => child.getName() === RULE.name)
    .map(readRuleText)
