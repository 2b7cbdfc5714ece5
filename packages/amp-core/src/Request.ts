// The AMP request (XEP-0079 §2.1.2, §4.1) and spec §2–3: recognising it on a `<message/>`,
// the structural rejections, validation, and writing `<amp/>` back from the same declaration.
import type { Element } from "@xmpp/xml"
import {
  AMP,
  declaredChildren,
  isDeclared,
  RULE,
  readElement,
  writeElement,
} from "./Declarations.js"
import { readSharedRules } from "./InternedRules.js"
import type { AmpRequest, AmpRule, RuleText } from "./Model.js"
import { readRuleText, writeRule } from "./Rules.js"
import type { AmpSupport } from "./Support.js"
import { type ValidationFailure, validateRules } from "./Validation.js"
import { readAttribute } from "./Xml.js"

/** Why a request was bounced with `<bad-request/>` before validation (spec §2). */
export type StructuralReason =
  | "status-present"
  | "multiple-amp"
  | "missing-id"
  | "no-rules"
  | "invalid-per-hop"
  | "too-many-rules"

/** A request bounced before validation: the reason, an English text and the message id. */
export interface StructuralFailure {
  readonly _tag: "StructuralFailure"
  /** What is wrong. */
  readonly reason: StructuralReason
  /** The human-readable text for the bounce's `<text xml:lang='en'/>`. */
  readonly text: string
  /** The message `id`, when it had a non-empty one. */
  readonly id: string | undefined
}

/** A request refused by validation (spec §3), with the message id. */
export interface RequestValidationFailure extends ValidationFailure {
  /** The message `id`. */
  readonly id: string
}

/** What `parseRequest` found on a message. */
export type RequestParseResult =
  | { readonly _tag: "NotAmp" }
  | { readonly _tag: "Valid"; readonly request: AmpRequest }
  | StructuralFailure
  | RequestValidationFailure

/** The first `<amp xmlns='http://jabber.org/protocol/amp'/>` child of a stanza, if any. */
export const findAmpElement = (stanza: Element): Element | undefined =>
  declaredChildren(stanza, AMP)[0]

const isMessageForAmp = (stanza: Element): boolean =>
  stanza.getName() === "message" && readAttribute(stanza, "type") !== "error"

/** True when a `<message/>` (not `type='error'`) carries `<amp/>` without `status` (spec §2). */
export const isAmpRequest = (stanza: Element): boolean => {
  if (!isMessageForAmp(stanza)) return false
  const amp = findAmpElement(stanza)
  return amp !== undefined && readElement(AMP, amp).status === undefined
}

/** True when a `<message/>` (not `type='error'`) carries `<amp/>` at all, status or not. */
export const carriesAmp = (stanza: Element): boolean =>
  isMessageForAmp(stanza) && findAmpElement(stanza) !== undefined

const PER_HOP: ReadonlyMap<string, boolean> = new Map([
  ["true", true],
  ["1", true],
  ["false", false],
  ["0", false],
])

const structural = (reason: StructuralReason, text: string, id: string | undefined) =>
  ({ _tag: "StructuralFailure", reason, text, id }) as const

const NOT_AMP: RequestParseResult = Object.freeze({ _tag: "NotAmp" })

/**
 * Reads the AMP request of a `<message/>`: `NotAmp` when there is none (or the message is an
 * error), a structural failure (spec §2), a validation failure (spec §3) or the valid request.
 * The usual request (one `<amp/>`, `deliver` and `match-resource` rules only) is read without
 * rule texts or validation lists, into shared rules (`InternedRules.ts`); the rest the full way.
 */
export const parseRequest = (message: Element, support: AmpSupport): RequestParseResult => {
  if (!isMessageForAmp(message)) return NOT_AMP
  let amp: Element | undefined
  let count = 0
  let statusPresent = false
  for (const child of message.children) {
    if (typeof child !== "object" || child === null || !isDeclared(AMP, child)) continue
    amp ??= child
    count += 1
    statusPresent ||= readAttribute(child, AMP.attributes.status) !== undefined
  }
  if (amp === undefined) return NOT_AMP
  const rawId = readAttribute(message, "id")
  const id = rawId === "" ? undefined : rawId
  if (!statusPresent && count === 1 && id !== undefined) {
    const perHopText = readAttribute(amp, AMP.attributes.perHop)
    const perHop = perHopText === undefined ? false : PER_HOP.get(perHopText)
    const rules = perHop === undefined ? undefined : readSharedRules(amp, support)
    if (rules !== undefined)
      return { _tag: "Valid", request: { id, perHop: perHop === true, rules } }
  }
  return readInFull(amp, count, statusPresent, id, support)
}

/**
 * `parseRequest` the full way, from the first `<amp/>` of `count` and whether any carried a
 * status: rule texts, then validation. `parseRequestInFull` reads every request
 * this way.
 */
const readInFull = (
  amp: Element,
  count: number,
  statusPresent: boolean,
  id: string | undefined,
  support: AmpSupport,
): RequestParseResult => {
  if (statusPresent) {
    return structural(
      "status-present",
      "A client may not send <amp/> with a status attribute: only servers write AMP replies.",
      id,
    )
  }
  if (count > 1) {
    return structural("multiple-amp", "A message may carry only one <amp/> element.", id)
  }
  if (id === undefined) {
    return structural(
      "missing-id",
      "A message with AMP rules needs a non-empty id attribute (XEP-0079 section 1.3).",
      id,
    )
  }
  const ruleTexts: RuleText[] = []
  for (const ruleElement of declaredChildren(amp, RULE)) ruleTexts.push(readRuleText(ruleElement))
  if (ruleTexts.length === 0) return structural("no-rules", "<amp/> carries no <rule/>.", id)
  const perHopText = readAttribute(amp, AMP.attributes.perHop)
  const perHop = perHopText === undefined ? false : PER_HOP.get(perHopText)
  if (perHop === undefined) {
    return structural("invalid-per-hop", "per-hop must be true, false, 1 or 0.", id)
  }
  if (ruleTexts.length > support.maxRules) {
    return structural(
      "too-many-rules",
      `<amp/> carries ${ruleTexts.length} rules; this server accepts at most ${support.maxRules}.`,
      id,
    )
  }
  const validation = validateRules(ruleTexts, support)
  if (validation._tag === "ValidationFailure") return { ...validation, id }
  return { _tag: "Valid", request: { id, perHop, rules: validation.rules } }
}

/** `parseRequest` without the quick reading of the usual request (for tests holding them equal). */
export const parseRequestInFull = (message: Element, support: AmpSupport): RequestParseResult => {
  if (!isMessageForAmp(message)) return NOT_AMP
  const elements = message.children.filter(
    (child): child is Element =>
      typeof child === "object" && child !== null && isDeclared(AMP, child),
  )
  const [amp] = elements
  if (amp === undefined) return NOT_AMP
  const statusPresent = elements.some(
    (element) => readAttribute(element, AMP.attributes.status) !== undefined,
  )
  const rawId = readAttribute(message, "id")
  return readInFull(amp, elements.length, statusPresent, rawId === "" ? undefined : rawId, support)
}

/** What `serializeRequest` writes: the rules, and `per-hop` when true. */
export interface RequestInput {
  /** Write `per-hop='true'` (default false: attribute omitted). */
  readonly perHop?: boolean
  /** The rules, in order, typed or as text. */
  readonly rules: readonly (AmpRule | RuleText)[]
}

/** Writes the request `<amp xmlns='http://jabber.org/protocol/amp'>` with its rules. */
export const serializeRequest = (request: RequestInput): Element =>
  writeElement(AMP, request.perHop === true ? { perHop: "true" } : {}, request.rules.map(writeRule))
