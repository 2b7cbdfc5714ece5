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

const decodeRule = (text: string): AmpRule | undefined => {
  const match = /^(\d{1,9}) (\S+) (\S+) (\S+)$/.exec(text)
  if (match === null) return undefined
  const validation = validateRules(
    [{ action: match[2] ?? "", condition: match[3] ?? "", value: match[4] ?? "" }],
    FULL_SUPPORT,
  )
  const [rule] = validation._tag === "Valid" ? validation.rules : []
  return rule === undefined ? undefined : { ...rule, index: Number(match[1]) }
}

/** Decodes `encodeMessageState` output; `undefined` for anything it did not produce. */
export const decodeMessageState = (text: string): AmpMessageState | undefined => {
  const [version, stage, flags, ...ruleTexts] = text.split("|")
  if (version !== VERSION || flags === undefined) return undefined
  if (!(MESSAGE_STAGES as readonly string[]).includes(stage ?? "")) return undefined
  const decodedFlags = decodeFlags(flags)
  if (decodedFlags === undefined) return undefined
  const rules = ruleTexts.map(decodeRule)
  if (rules.some((rule) => rule === undefined)) return undefined
  const ordered = rules as AmpRule[]
  if (
    ordered.some(
      (rule, position) => position > 0 && rule.index <= (ordered[position - 1]?.index ?? 0),
    )
  ) {
    return undefined
  }
  return { ...decodedFlags, stage: stage as MessageStage, rules: ordered }
}
