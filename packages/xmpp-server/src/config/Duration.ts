// Durations in the config file, as an operator writes them: "30s", "90min", "12h", "7d", "2w",
// "1y" (365 days), or "never". Used by `[modules.mam] archive_expires_after`.

const units: Readonly<Record<string, number>> = {
  s: 1000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
}

/**
 * Milliseconds of `text`, `"never"` for "never", or undefined when it is not a duration.
 * @example parseDuration("7d") // 604800000
 */
export const parseDuration = (text: string): number | "never" | undefined => {
  const trimmed = text.trim()
  if (trimmed === "never") return "never"
  const match = /^(\d+)\s*(s|min|h|d|w|y)$/.exec(trimmed)
  const count = match?.[1]
  const unit = match?.[2]
  if (count === undefined || unit === undefined) return undefined
  const ms = Number(count) * (units[unit] ?? 0)
  return ms > 0 && Number.isSafeInteger(ms) ? ms : undefined
}
