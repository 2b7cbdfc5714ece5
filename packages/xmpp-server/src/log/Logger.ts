// Structured JSON-lines logging for the server (spec/server.md "Operation"): one object per
// line with time, level, event name (noun-first, e.g. `session-opened`) and fields.

/** Log levels, least to most severe. */
export type LogLevel = "debug" | "info" | "warn" | "error"

/** Extra fields of one log line. */
export type LogFields = Readonly<Record<string, unknown>>

/** The logger every part of the server writes to. */
export interface Logger {
  debug(event: string, fields?: LogFields): void
  info(event: string, fields?: LogFields): void
  warn(event: string, fields?: LogFields): void
  error(event: string, fields?: LogFields): void
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

const errorFields = (value: unknown): unknown =>
  value instanceof Error ? { name: value.name, message: value.message } : value

/** A JSON-lines logger writing lines at `level` or above to `write` (stderr by default). */
export const makeJsonLogger = (
  options: {
    readonly level?: LogLevel
    readonly write?: (line: string) => void
    readonly fields?: LogFields
  } = {},
): Logger => {
  const minimum = rank[options.level ?? "info"]
  const write = options.write ?? ((line: string) => process.stderr.write(line))
  const base = options.fields ?? {}
  const emit = (level: LogLevel, event: string, fields: LogFields | undefined): void => {
    if (rank[level] < minimum) return
    const line: Record<string, unknown> = { time: new Date().toISOString(), level, event, ...base }
    if (fields !== undefined)
      for (const [key, value] of Object.entries(fields)) line[key] = errorFields(value)
    write(`${JSON.stringify(line)}\n`)
  }
  return {
    debug: (event, fields) => emit("debug", event, fields),
    info: (event, fields) => emit("info", event, fields),
    warn: (event, fields) => emit("warn", event, fields),
    error: (event, fields) => emit("error", event, fields),
    child: (fields) => makeJsonLogger({ ...options, fields: { ...base, ...fields } }),
  }
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
}
