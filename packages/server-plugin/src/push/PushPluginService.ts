// The push module (XEP-0357, `PushPlugin.ts`) as an Effect service, for hosts built on Effect:
// the layer starts it for a `PushHost` and a `[modules.push]` table, and stops it (clock
// cancelled, registration writes flushed) when the layer's scope closes.
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { PushConfigError } from "./PushConfig.js"
import type { PushHost } from "./PushHost.js"
import { type PushPluginHandle, type PushStartOptions, startPushPlugin } from "./PushPlugin.js"

const asConfigError = (cause: unknown): PushConfigError =>
  cause instanceof PushConfigError
    ? cause
    : new PushConfigError({ reason: "wrong-type", key: "modules.push", message: String(cause) })

/** The running push module; `PushPlugin.layer(host, table)` provides it. */
export class PushPlugin extends Context.Service<PushPlugin, PushPluginHandle>()(
  "@xmpp-amp/server-plugin/PushPlugin",
) {
  /**
   * The push module for `host` and a `[modules.push]` table; fails with `PushConfigError` (a
   * failure to load the stored registrations is reported the same way, on key `modules.push`).
   */
  static readonly layer = (
    host: PushHost,
    table: Readonly<Record<string, unknown>> = {},
    options: PushStartOptions = {},
  ) =>
    Layer.effect(
      PushPlugin,
      Effect.acquireRelease(
        Effect.tryPromise({
          try: () => startPushPlugin(host, table, options),
          catch: asConfigError,
        }),
        (push) => Effect.promise(() => push.stop()),
      ),
    )
}
