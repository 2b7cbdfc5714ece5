// Spec §8: a failing host capability never crashes the plugin. Where the specification has an
// event for the failure (a failed archive, offline or socket write) the failure becomes that
// event; elsewhere it is logged with the capability's reason and processing goes on.
import * as Effect from "effect/Effect"
import type { HostError } from "./Errors.js"
import { logLine } from "./Log.js"

/** Runs a host capability; on `HostError` logs `event` (error level) and returns `fallback`. */
export const orLogged =
  <B>(event: string, fallback: B, annotations: Readonly<Record<string, unknown>> = {}) =>
  <A, R>(effect: Effect.Effect<A, HostError, R>): Effect.Effect<A | B, never, R> =>
    Effect.catchTag(effect, "HostError", (error) =>
      Effect.as(
        logLine(
          event,
          { ...annotations, reason: error.reason, cause: String(error.cause) },
          "Error",
        ),
        fallback,
      ),
    )
