// The [modules.amp] table: defaults, and every mistake refused with the dotted key named.
import {
  AmpConfigError,
  DEFAULT_SETTINGS,
  parseAmpSettings,
  startAmpPlugin,
} from "@xmpp-amp/server-plugin"
import { InMemoryHost } from "@xmpp-amp/server-plugin/test"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import { describe, expect, it } from "vitest"

const parse = (table: Record<string, unknown>) =>
  Effect.runSync(Effect.result(parseAmpSettings(table)))

describe("[modules.amp] (issue 6 item 4)", () => {
  it("defaults to everything on, presence check on, socket-write confirmation", () => {
    expect(parse({})).toEqual(Result.succeed(DEFAULT_SETTINGS))
  })

  it("reads every setting", () => {
    const settings = parse({
      actions: ["notify"],
      conditions: ["deliver", "expire-at"],
      max_rules: 4,
      presence_check: false,
      direct_confirm: "ack",
      expiry_check_ms: 100,
    })
    expect(settings).toEqual(
      Result.succeed({
        support: { actions: ["notify"], conditions: ["deliver", "expire-at"], maxRules: 4 },
        presenceCheck: false,
        directConfirm: "ack",
        expiryCheckMillis: 100,
      }),
    )
  })

  const mistakes: readonly [Record<string, unknown>, string, string][] = [
    [{ actions: ["notify", "shout"] }, "modules.amp.actions", "unknown-name"],
    [{ conditions: "deliver" }, "modules.amp.conditions", "wrong-type"],
    [{ max_rules: 0 }, "modules.amp.max_rules", "out-of-range"],
    [{ max_rules: 2.5 }, "modules.amp.max_rules", "wrong-type"],
    [{ presence_check: "no" }, "modules.amp.presence_check", "wrong-type"],
    [{ direct_confirm: "socket" }, "modules.amp.direct_confirm", "wrong-type"],
    [{ expiry_check_ms: 5000 }, "modules.amp.expiry_check_ms", "out-of-range"],
    [{ max_rule: 3 }, "modules.amp.max_rule", "unknown-key"],
  ]

  it.each(mistakes)("refuses %j naming %s", (table, key, reason) => {
    const result = parse(table)
    expect(Result.isFailure(result)).toBe(true)
    if (Result.isFailure(result)) {
      expect(result.failure).toBeInstanceOf(AmpConfigError)
      expect([result.failure.key, result.failure.reason]).toEqual([key, reason])
      expect(result.failure.message).toContain(key)
    }
  })

  it("startAmpPlugin rejects a bad table", async () => {
    await expect(
      startAmpPlugin(new InMemoryHost(), { max_rules: -1 }, { logLevel: "None" }),
    ).rejects.toMatchObject({
      _tag: "AmpConfigError",
      key: "modules.amp.max_rules",
    })
  })
})
