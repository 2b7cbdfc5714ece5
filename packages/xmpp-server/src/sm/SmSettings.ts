// `[modules.stream_management]` (XEP-0198): how long a dropped session waits to be resumed,
// how long an unanswered ack request may take before modules hear `ackDelayed`, and the bound
// on unacknowledged stanzas per session. Validated here; the config loader passes the table on.

/** Validated XEP-0198 settings. */
export interface SmSettings {
  /** Seconds a dropped session stays resumable (hibernated) before it is gone. */
  readonly resume_timeout: number
  /** Seconds after an `<r/>` without `<a/>` before the `ackDelayed` hooks run. */
  readonly ack_timeout: number
  /** Unacknowledged stanzas one session may hold; past it the session ends and they are rerouted. */
  readonly max_unacked: number
}

/** The defaults (`resume_timeout = 300`, `ack_timeout = 30`, `max_unacked = 1000`). */
export const defaultSmSettings: SmSettings = {
  resume_timeout: 300,
  ack_timeout: 30,
  max_unacked: 1000,
}

const integer = (
  table: Readonly<Record<string, unknown>>,
  key: keyof SmSettings,
  min: number,
  max: number,
): number => {
  const value = table[key]
  if (value === undefined) return defaultSmSettings[key]
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw new Error(
      `modules.stream_management.${key}: expected an integer ${min}–${max}, got ${String(value)}`,
    )
  return value
}

/** Reads the table; throws an error naming the key on a bad value or an unknown key. */
export const parseSmSettings = (table: Readonly<Record<string, unknown>>): SmSettings => {
  for (const key of Object.keys(table))
    if (key !== "enabled" && !(key in defaultSmSettings))
      throw new Error(`modules.stream_management.${key}: unknown key`)
  return {
    resume_timeout: integer(table, "resume_timeout", 0, 86_400),
    ack_timeout: integer(table, "ack_timeout", 1, 3600),
    max_unacked: integer(table, "max_unacked", 10, 1_000_000),
  }
}
