// Structured log lines of the plugin (issue 6 item 6): an event name, noun first, with fields.
// The level is checked before anything is built, so disabled lines cost almost nothing.
import * as Effect from "effect/Effect"
import * as LogLevel from "effect/LogLevel"
import * as References from "effect/References"

/** Logs `message` with `fields` as annotations, when `level` is enabled. */
export const logLine = (
  message: string,
  fields: Readonly<Record<string, unknown>>,
  level: "Error" | "Warn" | "Info" | "Debug" = "Info",
): Effect.Effect<void> =>
  Effect.withFiber((fiber) =>
    LogLevel.isLessThan(level, fiber.getRef(References.MinimumLogLevel))
      ? Effect.void
      : Effect.annotateLogs(Effect.logWithLevel(level)(message), fields),
  )
