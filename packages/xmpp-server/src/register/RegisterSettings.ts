// `[modules.register]` (XEP-0077 in-band registration): off unless `enabled = true`, a
// minimum password length, and limits on registration attempts (accounts created, and tries
// of a taken username) per hour: per address, and per network (/24 IPv4, /48 IPv6).

/** Validated in-band registration settings. */
export interface RegisterSettings {
  /** Shortest password accepted (in characters, after SASLprep). */
  readonly min_password_length: number
  /** Registration attempts (created, or the username was taken) per address per hour. */
  readonly registrations_per_hour: number
  /** The same, for all addresses of one /24 (IPv4) or /48 (IPv6) together. */
  readonly registrations_per_hour_per_network: number
}

const defaults: RegisterSettings = {
  min_password_length: 6,
  registrations_per_hour: 10,
  registrations_per_hour_per_network: 30,
}

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
    registrations_per_hour_per_network: read("registrations_per_hour_per_network", 100_000),
  }
  if (table.enabled !== undefined && typeof table.enabled !== "boolean")
    throw new Error(`modules.register.enabled: expected a boolean, got ${String(table.enabled)}`)
  return table.enabled === true ? settings : undefined
}
