// The `[modules.push]` configuration (project push spec; XEP-0357 §5–§7.1): every setting of the
// push rules under its snake_case TOML name, with the spec's defaults, checked before start.
import { defaultPushSettings, type PushSettings, resolvePushSettings } from "@xmpp-amp/push-rules"
import * as Data from "effect/Data"

/** Why `[modules.push]` was refused. */
export type PushConfigFailureReason = "wrong-type" | "unknown-key" | "out-of-range"

/** A `[modules.push]` setting is wrong; `key` is the dotted key, e.g. `modules.push.max_errors`. */
export class PushConfigError extends Data.TaggedError("PushConfigError")<{
  /** What kind of mistake. */
  readonly reason: PushConfigFailureReason
  /** The dotted key of the offending setting. */
  readonly key: string
  /** The explanation, in words. */
  readonly message: string
}> {}

/** TOML key → push-rules setting name, for every setting (spec: every one configurable). */
export const PUSH_SETTING_KEYS = {
  include_message_count: "includeMessageCount",
  include_last_message_sender: "includeLastMessageSender",
  include_last_message_body: "includeLastMessageBody",
  important_body: "importantBody",
  max_devices: "maxDevices",
  max_errors: "maxErrors",
  coalescing_window_ms: "coalescingWindowMs",
  hibernation_timeout_with_push_ms: "hibernationTimeoutWithPushMs",
  max_in_flight_per_registration: "maxInFlightPerRegistration",
  max_in_flight_total: "maxInFlightTotal",
  push_timeout_ms: "pushTimeoutMs",
  remembered_stanzas: "rememberedStanzas",
  inactive_client_holds_unimportant: "inactiveClientHoldsUnimportant",
} as const satisfies Record<string, keyof PushSettings>

type TomlKey = keyof typeof PUSH_SETTING_KEYS

const keyOf = (name: string) => `modules.push.${name}`

const isTomlKey = (name: string): name is TomlKey => Object.hasOwn(PUSH_SETTING_KEYS, name)

const expectedType = (name: TomlKey): "boolean" | "string" | "number" =>
  typeof defaultPushSettings[PUSH_SETTING_KEYS[name]] as "boolean" | "string" | "number"

/**
 * Reads a `[modules.push]` table (as parsed from TOML; `enabled` is the server's and ignored);
 * throws a `PushConfigError` naming the dotted key of the first mistake.
 */
export const parsePushSettings = (table: Readonly<Record<string, unknown>>): PushSettings => {
  const overrides: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(table)) {
    if (name === "enabled") continue
    if (!isTomlKey(name)) {
      throw new PushConfigError({
        reason: "unknown-key",
        key: keyOf(name),
        message: `unknown setting ${keyOf(name)}`,
      })
    }
    const expected = expectedType(name)
    const integerWanted = expected === "number"
    if (typeof value !== expected || (integerWanted && !Number.isInteger(value))) {
      throw new PushConfigError({
        reason: "wrong-type",
        key: keyOf(name),
        message: `${keyOf(name)} must be ${integerWanted ? "an integer" : `a ${expected}`}`,
      })
    }
    overrides[PUSH_SETTING_KEYS[name]] = value
  }
  try {
    return resolvePushSettings(overrides as Partial<PushSettings>)
  } catch (error) {
    const setting = Object.entries(PUSH_SETTING_KEYS).find(([, camel]) =>
      String(error).includes(` ${camel} `),
    )?.[0]
    throw new PushConfigError({
      reason: "out-of-range",
      key: keyOf(setting ?? "?"),
      message: `${keyOf(setting ?? "?")}: ${error instanceof Error ? error.message : String(error)}`,
    })
  }
}
