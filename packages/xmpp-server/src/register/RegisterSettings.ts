// `[modules.register]` (XEP-0077 in-band registration): off unless `enabled = true`, a
// minimum password length, and a per-address limit on accounts created per hour.

/** Validated in-band registration settings. */
export interface RegisterSettings {
  /** Shortest password accepted (in characters, after SASLprep). */
  readonly min_password_length: number
  /** Accounts one remote address may create per hour. */
  readonly registrations_per_hour: number
}

const defaults: RegisterSettings = { min_password_length: 6, registrations_per_hour: 10 }

/**
 * Reads the table: undefined when registration is off (the default), otherwise the settings.
 * Throws an error naming the key on a bad value or an unknown key.
 */
export const parseRegisterSettings = (
  table: Readonly<Record<string, unknown>>,
): RegisterSettings | undefined => {
  for (const key of Object.keys(table))
    if (key !== "enabled" && !(key in defaults))
      throw new Error(`modules.register.${key}: unknown key`)
  const read = (key: keyof RegisterSettings, max: number): number => {
    const value = table[key]
    if (value === undefined) return defaults[key]
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max)
      throw new Error(`modules.register.${key}: expected an integer 1–${max}, got ${String(value)}`)
    return value
  }
  const settings = {
    min_password_length: read("min_password_length", 1024),
    registrations_per_hour: read("registrations_per_hour", 100_000),
  }
  if (table.enabled !== undefined && typeof table.enabled !== "boolean")
    throw new Error(`modules.register.enabled: expected a boolean, got ${String(table.enabled)}`)
  return table.enabled === true ? settings : undefined
}
