// `[modules.push]` (project push spec: every setting configurable, with its default): the TOML
// names, the defaults, mistakes refused with the dotted key named, and the Effect layer.
import { defaultPushSettings } from "@xmpp-amp/push-rules"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { describe, expect, it } from "vitest"
import {
  PUSH_SETTING_KEYS,
  PushConfigError,
  PushPlugin,
  parsePushSettings,
} from "../../src/index.js"
import { memoryPushHost } from "./memoryPushHost.js"

const refusal = (table: Record<string, unknown>): PushConfigError => {
  try {
    parsePushSettings(table)
  } catch (error) {
    if (error instanceof PushConfigError) return error
    throw error
  }
  throw new Error("the table was accepted")
}

describe("[modules.push]", () => {
  it("gives the spec's defaults for an empty table (enabled is the server's)", () => {
    expect(parsePushSettings({ enabled: true })).toEqual(defaultPushSettings)
    expect(defaultPushSettings).toMatchObject({
      maxDevices: 5,
      maxErrors: 16,
      coalescingWindowMs: 1000,
      importantBody: "New Message!",
      includeMessageCount: true,
      includeLastMessageSender: false,
      includeLastMessageBody: false,
    })
  })

  it("has a TOML key for every push-rules setting", () => {
    expect(Object.values(PUSH_SETTING_KEYS).sort()).toEqual(Object.keys(defaultPushSettings).sort())
  })

  it("reads every key under its snake_case name", () => {
    const settings = parsePushSettings({
      include_message_count: false,
      include_last_message_sender: true,
      include_last_message_body: true,
      important_body: "Wake up",
      max_devices: 2,
      max_errors: 3,
      coalescing_window_ms: 0,
      hibernation_timeout_with_push_ms: 0,
      max_in_flight_per_registration: 1,
      max_in_flight_total: 10,
      push_timeout_ms: 500,
      remembered_stanzas: 8,
      inactive_client_holds_unimportant: false,
    })
    expect(settings).toEqual({
      includeMessageCount: false,
      includeLastMessageSender: true,
      includeLastMessageBody: true,
      importantBody: "Wake up",
      maxDevices: 2,
      maxErrors: 3,
      coalescingWindowMs: 0,
      hibernationTimeoutWithPushMs: 0,
      maxInFlightPerRegistration: 1,
      maxInFlightTotal: 10,
      pushTimeoutMs: 500,
      rememberedStanzas: 8,
      inactiveClientHoldsUnimportant: false,
    })
  })

  it("names the key of an unknown setting, a wrong type and an out-of-range value", () => {
    expect(refusal({ max_device: 3 })).toMatchObject({
      reason: "unknown-key",
      key: "modules.push.max_device",
    })
    expect(refusal({ max_errors: "16" })).toMatchObject({
      reason: "wrong-type",
      key: "modules.push.max_errors",
    })
    expect(refusal({ coalescing_window_ms: 1.5 })).toMatchObject({ reason: "wrong-type" })
    expect(refusal({ include_last_message_body: "yes" })).toMatchObject({
      reason: "wrong-type",
      key: "modules.push.include_last_message_body",
    })
    expect(refusal({ max_devices: 0 })).toMatchObject({
      reason: "out-of-range",
      key: "modules.push.max_devices",
    })
    expect(refusal({ coalescing_window_ms: -1 })).toMatchObject({
      reason: "out-of-range",
      key: "modules.push.coalescing_window_ms",
    })
  })
})

describe("PushPlugin.layer", () => {
  it("provides the running module, and fails with PushConfigError on a bad table", async () => {
    const host = memoryPushHost()
    const features = await Effect.runPromise(
      Effect.scoped(
        Effect.map(
          Layer.build(PushPlugin.layer(host, { max_errors: 2 })),
          (context) => Context.get(context, PushPlugin).accountFeatures,
        ),
      ),
    )
    expect(features).toEqual(["urn:xmpp:push:0"])
    const failure = await Effect.runPromise(
      Effect.flip(Effect.scoped(Layer.build(PushPlugin.layer(host, { max_errors: 0 })))),
    )
    expect(failure).toMatchObject({ _tag: "PushConfigError", key: "modules.push.max_errors" })
  })
})
