// The `[modules.amp]` configuration (spec §1, §4, §7; XEP-0079 §2.1.1): enabled actions and
// conditions (disco, validation and the stream feature all derive from them), the rule limit,
// the presence check, how delivery is confirmed, and how often due expire-at rules are checked.
import { type AmpSupport, ampSupport, FULL_SUPPORT } from "@xmpp-amp/amp-core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { AmpConfigError } from "./Errors.js"
import type { DeliveryConfirmation } from "./Host.js"

/** The plugin's settings, validated. */
export interface AmpSettings {
  /** Enabled actions and conditions and `max_rules`. */
  readonly support: AmpSupport
  /** Refuse presence-revealing rules unless the sender may see the recipient's presence (§7). */
  readonly presenceCheck: boolean
  /** `direct` is confirmed by the socket write, or by the XEP-0198 ack. */
  readonly directConfirm: DeliveryConfirmation
  /** How often the scheduler looks for due expire-at rules, in ms (at most 1000: spec §4). */
  readonly expiryCheckMillis: number
}

/** Everything on, presence check on, socket-write confirmation, checks every 250 ms. */
export const DEFAULT_SETTINGS: AmpSettings = {
  support: FULL_SUPPORT,
  presenceCheck: true,
  directConfirm: "write",
  expiryCheckMillis: 250,
}

const KEYS = [
  "actions",
  "conditions",
  "max_rules",
  "presence_check",
  "direct_confirm",
  "expiry_check_ms",
] as const

const keyOf = (name: string) => `modules.amp.${name}`

const fail = (reason: AmpConfigError["reason"], name: string, message: string) =>
  Effect.fail(new AmpConfigError({ reason, key: keyOf(name), message }))

const stringList = (table: Record<string, unknown>, name: string) => {
  const value = table[name]
  if (value === undefined) return Effect.succeed(undefined)
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
    return Effect.succeed(value as string[])
  }
  return fail("wrong-type", name, `${keyOf(name)} must be a list of strings`)
}

const optional = <T>(
  table: Record<string, unknown>,
  name: string,
  accept: (value: unknown) => value is T,
  expected: string,
) => {
  const value = table[name]
  if (value === undefined || accept(value)) return Effect.succeed(value as T | undefined)
  return fail("wrong-type", name, `${keyOf(name)} must be ${expected}`)
}

const isBoolean = (value: unknown): value is boolean => typeof value === "boolean"
const isInteger = (value: unknown): value is number => Number.isInteger(value)
const isConfirmation = (value: unknown): value is DeliveryConfirmation =>
  value === "write" || value === "ack"

/** Reads a `[modules.amp]` table (as parsed from TOML); every mistake names its dotted key. */
export const parseAmpSettings = (
  table: Readonly<Record<string, unknown>>,
): Effect.Effect<AmpSettings, AmpConfigError> =>
  Effect.gen(function* () {
    const unknown = Object.keys(table).filter((key) => !(KEYS as readonly string[]).includes(key))
    const [first] = unknown
    if (first !== undefined) {
      return yield* fail("unknown-key", first, `unknown setting ${keyOf(first)}`)
    }
    const actions = yield* stringList(table, "actions")
    const conditions = yield* stringList(table, "conditions")
    const maxRules = yield* optional(table, "max_rules", isInteger, "an integer")
    const presenceCheck = yield* optional(table, "presence_check", isBoolean, "true or false")
    const directConfirm = yield* optional(
      table,
      "direct_confirm",
      isConfirmation,
      '"write" or "ack"',
    )
    const expiryCheckMillis = yield* optional(table, "expiry_check_ms", isInteger, "an integer")
    if (expiryCheckMillis !== undefined && (expiryCheckMillis < 1 || expiryCheckMillis > 1000)) {
      return yield* fail(
        "out-of-range",
        "expiry_check_ms",
        `${keyOf("expiry_check_ms")} must be 1 to 1000`,
      )
    }
    const support = ampSupport({
      ...(actions === undefined ? {} : { actions }),
      ...(conditions === undefined ? {} : { conditions }),
      ...(maxRules === undefined ? {} : { maxRules }),
    })
    if ("_tag" in support) {
      const name = support.message.startsWith("unknown action")
        ? "actions"
        : support.message.startsWith("unknown condition")
          ? "conditions"
          : "max_rules"
      const reason = name === "max_rules" ? "out-of-range" : "unknown-name"
      return yield* fail(reason, name, `${keyOf(name)}: ${support.message}`)
    }
    return {
      support,
      presenceCheck: presenceCheck ?? DEFAULT_SETTINGS.presenceCheck,
      directConfirm: directConfirm ?? DEFAULT_SETTINGS.directConfirm,
      expiryCheckMillis: expiryCheckMillis ?? DEFAULT_SETTINGS.expiryCheckMillis,
    }
  })

/** The plugin's settings as an Effect service. */
export class AmpConfig extends Context.Service<AmpConfig, AmpSettings>()(
  "@xmpp-amp/server-plugin/AmpConfig",
) {
  /** Settings from a `[modules.amp]` table; fails with `AmpConfigError`. */
  static readonly layer = (table: Readonly<Record<string, unknown>> = {}) =>
    Layer.effect(AmpConfig, parseAmpSettings(table))

  /** Settings given directly. */
  static readonly layerOf = (settings: AmpSettings) => Layer.succeed(AmpConfig, settings)
}
