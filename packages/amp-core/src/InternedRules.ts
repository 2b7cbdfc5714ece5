// The `<rule/>` list of an `<amp/>` read straight into typed rules for the common request, with
// no intermediate rule texts, validation lists or per-message rule objects: every AMP message
// is read here (docs/performance.md, issue 24). A `deliver` or `match-resource` rule is one of a
// bounded set (index up to the configured rule limit, a supported action, one of a few values),
// so each is made once, frozen, and shared; so is a one-rule list (read-only, not frozen).
// Anything else (an `expire-at` rule, a rule that fails validation, no rule or too many)
// answers undefined and the caller reads the request the full way (`parseRequest`), which
// gives exactly the same result for the requests read here (a property test holds them equal).
import type { Element } from "@xmpp/xml"
import { type AmpRule, DELIVER_VALUES, isOneOf, MATCH_RESOURCE_VALUES } from "./Model.js"
import { AMP_NS } from "./Namespaces.js"
import { type AmpSupport, supportsAction, supportsCondition } from "./Support.js"
import { childInNamespace, hasLocalName, namespaceInScope, readAttribute } from "./Xml.js"

type SharedCondition = "deliver" | "match-resource"

/** condition → value → action → rules by index. */
const shared = new Map<string, Map<string, Map<string, AmpRule[]>>>()
/** The one-rule list of each shared rule. */
const alone = new Map<AmpRule, readonly AmpRule[]>()

const levelOf = <V>(map: Map<string, V>, key: string, make: () => V): V => {
  const found = map.get(key)
  if (found !== undefined) return found
  const made = make()
  map.set(key, made)
  return made
}

/** The shared typed rule (made on first use); the caller validated every part. */
const sharedRule = (
  index: number,
  action: string,
  condition: SharedCondition,
  value: string,
): AmpRule => {
  const byAction = levelOf(
    levelOf(shared, condition, () => new Map()),
    value,
    () => new Map(),
  )
  const byIndex = levelOf(byAction, action, (): AmpRule[] => [])
  const found = byIndex[index]
  if (found !== undefined) return found
  const made = Object.freeze({ index, action, condition, value } as AmpRule)
  byIndex[index] = made
  return made
}

/** The rule as a shared typed rule when it is valid, supported and not `expire-at`. */
const readShared = (rule: Element, index: number, support: AmpSupport): AmpRule | undefined => {
  const action = readAttribute(rule, "action")
  const condition = readAttribute(rule, "condition")
  const value = readAttribute(rule, "value")
  if (action === undefined || action === "" || !supportsAction(support, action)) return undefined
  if (!supportsCondition(support, condition)) return undefined
  if (condition === "deliver" ? isOneOf(DELIVER_VALUES, value) : false)
    return sharedRule(index, action, "deliver", value as string)
  if (condition === "match-resource" ? isOneOf(MATCH_RESOURCE_VALUES, value) : false)
    return sharedRule(index, action, "match-resource", value as string)
  return undefined
}

/**
 * The rules of `amp` as validation would type them, when every one is a valid `deliver` or
 * `match-resource` rule and there are 1 to `support.maxRules` of them; otherwise undefined.
 */
export const readSharedRules = (
  amp: Element,
  support: AmpSupport,
): readonly AmpRule[] | undefined => {
  let first: AmpRule | undefined
  let rules: AmpRule[] | undefined
  let count = 0
  let ampNamespace: string | undefined | null = null
  for (const child of amp.children) {
    if (typeof child !== "object" || child === null || !hasLocalName(child, "rule")) continue
    if (ampNamespace === null) ampNamespace = namespaceInScope(amp)
    if (!childInNamespace(child, ampNamespace, AMP_NS)) continue
    if (count >= support.maxRules) return undefined
    const rule = readShared(child, count, support)
    if (rule === undefined) return undefined
    if (count === 0) first = rule
    else if (rules === undefined) rules = [first as AmpRule, rule]
    else rules.push(rule)
    count += 1
  }
  if (first === undefined) return undefined
  if (rules !== undefined) return rules
  return alone.get(first) ?? keepAlone(first)
}

// Not frozen: V8 iterates a frozen array with `for … of` through allocated iterator results
// (seen in the heap profile, about 400 bytes per message); `readonly` keeps callers off it.
const keepAlone = (rule: AmpRule): readonly AmpRule[] => {
  const list: readonly AmpRule[] = [rule]
  alone.set(rule, list)
  return list
}
