// A compact, versioned text form of `AmpMessageState` (spec §4: pending rules survive a restart
// while the message is stored). Decoding re-validates every field and rule; junk gives undefined.
import type { AmpRule } from "./Model.js"
import type { RoutingDecision, SessionRouting } from "./Outcome.js"
import { type AmpMessageState, MESSAGE_STAGES, type MessageStage } from "./Resolver.js"
import { FULL_SUPPORT } from "./Support.js"
import { validateRules } from "./Validation.js"

const VERSION = "amp1"

const SESSIONS: Readonly<Record<SessionRouting, string>> = {
  "addressed-resource": "a",
  "other-resources": "o",
  none: "n",
}

const encodeFlags = (state: AmpMessageState): string =>
  SESSIONS[state.routing.sessions] +
  (state.routing.wouldStoreOffline ? "S" : "") +
  (state.routing.wouldArchive ? "M" : "") +
  (state.archivedCopy ? "C" : "")

/** Encodes a message state as one line, e.g. `amp1|in-storage|nS|2 drop expire-at 2030-01-01T00:00:00Z`. */
export const encodeMessageState = (state: AmpMessageState): string =>
  [
    VERSION,
    state.stage,
    encodeFlags(state),
    ...state.rules.map((rule) => `${rule.index} ${rule.action} ${rule.condition} ${rule.value}`),
  ].join("|")

const decodeFlags = (
  flags: string,
): { routing: RoutingDecision; archivedCopy: boolean } | undefined => {
  const match = /^([aon])(S?)(M?)(C?)$/.exec(flags)
  if (match === null) return undefined
  const sessions = (Object.keys(SESSIONS) as SessionRouting[]).find(
    (key) => SESSIONS[key] === match[1],
  )
  if (sessions === undefined) return undefined
  return {
    routing: { sessions, wouldStoreOffline: match[2] === "S", wouldArchive: match[3] === "M" },
    archivedCopy: match[4] === "C",
  }
}

const decodeRule = (text: string): AmpRule | string => {
  const match = /^(\d{1,9}) (\S+) (\S+) (\S+)$/.exec(text)
  if (match === null)
    return `rule ${JSON.stringify(text.slice(0, 80))} is not "index action condition value"`
  const validation = validateRules(
    [{ action: match[2] ?? "", condition: match[3] ?? "", value: match[4] ?? "" }],
    FULL_SUPPORT,
  )
  const [rule] = validation._tag === "Valid" ? validation.rules : []
  return rule === undefined
    ? `rule ${JSON.stringify(text.slice(0, 80))} is not a valid AMP rule`
    : { ...rule, index: Number(match[1]) }
}

/** What `decodeMessageStateResult` found: the state, or why the text is not one. */
export type MessageStateDecoding =
  | { readonly _tag: "Decoded"; readonly state: AmpMessageState }
  | { readonly _tag: "Unreadable"; readonly reason: string }

const unreadable = (reason: string): MessageStateDecoding => ({ _tag: "Unreadable", reason })

/** Decodes `encodeMessageState` output, saying what is wrong with anything it did not produce. */
export const decodeMessageStateResult = (text: string): MessageStateDecoding => {
  const [version, stage, flags, ...ruleTexts] = text.split("|")
  if (version !== VERSION)
    return unreadable(`version ${JSON.stringify(version?.slice(0, 20))}, not ${VERSION}`)
  if (flags === undefined) return unreadable("fewer than three fields")
  if (!(MESSAGE_STAGES as readonly string[]).includes(stage ?? ""))
    return unreadable(`unknown stage ${JSON.stringify(stage?.slice(0, 40))}`)
  const decodedFlags = decodeFlags(flags)
  if (decodedFlags === undefined)
    return unreadable(`bad flags ${JSON.stringify(flags.slice(0, 20))}`)
  const rules: AmpRule[] = []
  for (const ruleText of ruleTexts) {
    const rule = decodeRule(ruleText)
    if (typeof rule === "string") return unreadable(rule)
    const previous = rules[rules.length - 1]
    if (previous !== undefined && rule.index <= previous.index)
      return unreadable("rule indexes are not increasing")
    rules.push(rule)
  }
  return {
    _tag: "Decoded",
    state: { ...decodedFlags, stage: stage as MessageStage, rules },
  }
}

/** Decodes `encodeMessageState` output; `undefined` for anything it did not produce. */
export const decodeMessageState = (text: string): AmpMessageState | undefined => {
  const decoded = decodeMessageStateResult(text)
  return decoded._tag === "Decoded" ? decoded.state : undefined
}
