// Typed readers for configuration values: each takes the table, the dotted path of the table
// and a key, checks type and range, and throws a `ConfigError` naming `path.key` otherwise.
import { isIPv4, isIPv6 } from "node:net"
import { domainToASCII } from "node:url"
import { ConfigError } from "./ConfigError.js"

/** A table of the configuration as parsed (TOML table or plain object). */
export type Table = Readonly<Record<string, unknown>>

/** Knows the config's source so that errors can name it. */
export interface Fields {
  readonly fail: (key: string, reason: string) => never
  readonly table: (value: unknown, key: string) => Table
  readonly onlyKeys: (table: Table, path: string, allowed: ReadonlyArray<string>) => void
  readonly string: (table: Table, path: string, key: string, fallback: string) => string
  readonly optionalString: (table: Table, path: string, key: string) => string | undefined
  readonly boolean: (table: Table, path: string, key: string, fallback: boolean) => boolean
  readonly integer: (
    table: Table,
    path: string,
    key: string,
    fallback: number,
    range: readonly [number, number],
  ) => number
  readonly oneOf: <Choice extends string>(
    table: Table,
    path: string,
    key: string,
    fallback: Choice,
    choices: ReadonlyArray<Choice>,
  ) => Choice
  readonly domain: (table: Table, path: string, key: string, fallback: string) => string
}

const join = (path: string, key: string): string => (path === "" ? key : `${path}.${key}`)

const describe = (value: unknown): string => {
  if (Array.isArray(value)) return "an array"
  if (value instanceof Date) return "a date"
  if (typeof value === "object" && value !== null) return "a table"
  return JSON.stringify(value) ?? String(value)
}

const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/

/** Whether `domain` (already lower case) is a valid XMPP domainpart (RFC 7622 §3.2). */
export const isValidDomain = (domain: string): boolean => {
  if (isIPv4(domain)) return true
  if (domain.startsWith("[") && domain.endsWith("]")) return isIPv6(domain.slice(1, -1))
  if (/[\s/@:]/u.test(domain)) return false
  const ascii = domainToASCII(domain)
  return (
    ascii !== "" && ascii.length <= 253 && ascii.split(".").every((label) => dnsLabel.test(label))
  )
}

/** Field readers that report errors against `source`. */
export const fieldsFor = (source: string | undefined): Fields => {
  const fail = (key: string, reason: string): never => {
    throw new ConfigError(key, reason, source)
  }
  const isTable = (value: unknown): value is Table =>
    typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date)
  const table = (value: unknown, key: string): Table => {
    if (value === undefined) return {}
    return isTable(value) ? value : fail(key, `expected a table, got ${describe(value)}`)
  }
  const onlyKeys = (value: Table, path: string, allowed: ReadonlyArray<string>) => {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) {
        fail(join(path, key), `unknown key (known keys: ${allowed.join(", ")})`)
      }
    }
  }
  const string = (value: Table, path: string, key: string, fallback: string): string => {
    const raw = value[key]
    if (raw === undefined) return fallback
    return typeof raw === "string"
      ? raw
      : fail(join(path, key), `expected a string, got ${describe(raw)}`)
  }
  return {
    fail,
    table,
    onlyKeys,
    string,
    optionalString: (value, path, key) => {
      const raw = value[key]
      if (raw === undefined) return undefined
      if (typeof raw !== "string") {
        return fail(join(path, key), `expected a string, got ${describe(raw)}`)
      }
      return raw === "" ? fail(join(path, key), "must not be empty") : raw
    },
    boolean: (value, path, key, fallback) => {
      const raw = value[key]
      if (raw === undefined) return fallback
      return typeof raw === "boolean"
        ? raw
        : fail(join(path, key), `expected true or false, got ${describe(raw)}`)
    },
    integer: (value, path, key, fallback, [min, max]) => {
      const raw = value[key]
      if (raw === undefined) return fallback
      if (typeof raw !== "number" || !Number.isInteger(raw)) {
        return fail(join(path, key), `expected an integer, got ${describe(raw)}`)
      }
      return raw < min || raw > max
        ? fail(join(path, key), `expected an integer from ${min} to ${max}, got ${raw}`)
        : raw
    },
    oneOf: (value, path, key, fallback, choices) => {
      const raw = value[key]
      if (raw === undefined) return fallback
      const choice = choices.find((candidate) => candidate === raw)
      return choice === undefined
        ? fail(
            join(path, key),
            `expected ${choices.map((candidate) => JSON.stringify(candidate)).join(" | ")}, got ${describe(raw)}`,
          )
        : choice
    },
    domain: (value, path, key, fallback) => {
      const domain = string(value, path, key, fallback).toLowerCase()
      return isValidDomain(domain)
        ? domain
        : fail(join(path, key), `not a valid domain name: ${JSON.stringify(domain)}`)
    },
  }
}
