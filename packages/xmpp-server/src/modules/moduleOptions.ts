// Validation of a built-in module's `[modules.NAME]` table: unknown keys and wrong types are
// start errors that name the key, as the config loader does for the core sections.
import { parseDuration } from "../config/Duration.js"

/** A `[modules.NAME]` table with a bad key or value; `startServer` fails with its message. */
export class ModuleOptionError extends Error {
  constructor(module: string, key: string, problem: string) {
    super(`modules.${module}.${key}: ${problem}`)
  }
}

/** Typed reads of one module table. */
export interface ModuleOptions {
  integer(key: string, fallback: number, minimum: number): number
  choice<T extends string>(key: string, fallback: T, choices: ReadonlyArray<T>): T
  /** A duration ("30s", "90min", "12h", "7d", "2w", "1y") in ms, or "never". */
  duration(key: string, fallback: string): number | "never"
}

/** Checks the table's keys (`enabled` is always allowed) and returns typed readers. */
export const moduleOptions = (
  module: string,
  table: Readonly<Record<string, unknown>>,
  keys: ReadonlyArray<string>,
): ModuleOptions => {
  for (const key of Object.keys(table))
    if (key !== "enabled" && !keys.includes(key))
      throw new ModuleOptionError(
        module,
        key,
        `unknown key (known: ${["enabled", ...keys].join(", ")})`,
      )
  return {
    integer: (key, fallback, minimum) => {
      const value = table[key] ?? fallback
      if (typeof value === "bigint" && value >= BigInt(minimum)) return Number(value)
      if (typeof value !== "number" || !Number.isInteger(value) || value < minimum)
        throw new ModuleOptionError(module, key, `must be an integer >= ${minimum}`)
      return value
    },
    choice: <T extends string>(key: string, fallback: T, choices: ReadonlyArray<T>): T => {
      const value = table[key] ?? fallback
      if (typeof value !== "string" || !(choices as ReadonlyArray<string>).includes(value))
        throw new ModuleOptionError(module, key, `must be one of ${choices.join(", ")}`)
      return value as T
    },
    duration: (key, fallback) => {
      const value = table[key] ?? fallback
      const parsed = typeof value === "string" ? parseDuration(value) : undefined
      if (parsed === undefined)
        throw new ModuleOptionError(
          module,
          key,
          'must be a duration such as "30s", "90min", "12h", "7d", "2w", "1y", or "never"',
        )
      return parsed
    },
  }
}
