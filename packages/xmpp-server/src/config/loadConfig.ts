// Reads, validates and completes the TOML configuration (spec/server.md "Running it"): every
// unknown key, wrong type or out-of-range value is a `ConfigError` naming the dotted key;
// missing keys take the defaults of spec/server.md; relative paths are resolved against the
// config file's directory (or the working directory when there is no file).
import { readFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { parse, TomlError } from "smol-toml"
import { normalizeOrigin } from "../listeners/AllowedOrigins.js"
import { ConfigError } from "./ConfigError.js"
import { clusterSection } from "./clusterSection.js"
import { type Fields, fieldsFor, type Table } from "./fields.js"
import { limitsSection } from "./limitsSection.js"
import { builtinModuleNames } from "./moduleNames.js"
import type {
  C2sListener,
  ClusterSection,
  ComponentEntry,
  ComponentListener,
  LimitsSection,
  ServerConfig,
  ServerSection,
  StorageSection,
  TestingFaults,
  TlsPolicy,
  WebSocketListener,
} from "./ServerConfig.js"
import { storageSection } from "./storageSection.js"
import { trustedProxiesField } from "./trustedProxiesField.js"

export { ConfigError } from "./ConfigError.js"
export { isValidDomain } from "./fields.js"
export { builtinModuleNames } from "./moduleNames.js"

type DeepPartial<T> = {
  -readonly [K in keyof T]?: T[K] extends ReadonlyArray<infer E>
    ? ReadonlyArray<E>
    : T[K] extends object | undefined
      ? DeepPartial<NonNullable<T[K]>>
      : T[K]
}

/** A listener table as written in the file: `enabled = false` turns the listener off. */
type ListenerInput<L> = DeepPartial<L> & { enabled?: boolean }

/** The configuration as the TOML file spells it, every key optional (for `makeConfig`). */
export interface ConfigInput {
  server?: DeepPartial<ServerSection>
  listen?: {
    c2s?: ListenerInput<C2sListener>
    websocket?: ListenerInput<WebSocketListener>
    component?: ListenerInput<ComponentListener>
  }
  tls?: { cert_file?: string; key_file?: string }
  limits?: Partial<LimitsSection>
  storage?: Partial<StorageSection>
  cluster?: Partial<ClusterSection>
  components?: ReadonlyArray<Pick<ComponentEntry, "domain" | "secret"> & Partial<ComponentEntry>>
  modules?: Readonly<Record<string, Readonly<Record<string, unknown>>>>
  testing?: { faults?: DeepPartial<TestingFaults> }
}

/** Options for reading a configuration. */
export interface ConfigOptions {
  /** Module names `[modules.NAME]` may use; defaults to `builtinModuleNames`. */
  readonly moduleNames?: ReadonlyArray<string>
  /** Where XMPP_AMP_DATABASE_URL is read; defaults to `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>
}

const portRange = [0, 65_535] as const
const tlsPolicies: ReadonlyArray<TlsPolicy> = ["required", "optional", "off"]

const serverSection = (fields: Fields, raw: Table, baseDir: string): ServerSection => {
  const path = "server"
  fields.onlyKeys(raw, path, [
    "domain",
    "data_dir",
    "max_stanza_bytes",
    "max_sessions_per_user",
    "max_roster_items",
    "auth_timeout_seconds",
    "shutdown_grace_seconds",
    "shutdown_drain_seconds",
  ])
  const dataDir = fields.string(raw, path, "data_dir", "./data")
  if (dataDir === "") fields.fail("server.data_dir", "must not be empty")
  return {
    domain: fields.domain(raw, path, "domain", "localhost"),
    data_dir: resolve(baseDir, dataDir),
    // RFC 6120 §13.12: a server must accept stanzas of at least 10000 bytes.
    max_stanza_bytes: fields.integer(raw, path, "max_stanza_bytes", 262_144, [10_000, 67_108_864]),
    max_sessions_per_user: fields.integer(raw, path, "max_sessions_per_user", 10, [1, 1000]),
    max_roster_items: fields.integer(raw, path, "max_roster_items", 5000, [1, 1_000_000]),
    auth_timeout_seconds: fields.integer(raw, path, "auth_timeout_seconds", 30, [1, 3600]),
    shutdown_grace_seconds: fields.integer(raw, path, "shutdown_grace_seconds", 5, [0, 600]),
    shutdown_drain_seconds: fields.integer(raw, path, "shutdown_drain_seconds", 5, [0, 600]),
  }
}

const enabled = (fields: Fields, raw: Table, path: string): boolean =>
  fields.boolean(raw, path, "enabled", true)

const host = (fields: Fields, raw: Table, path: string): string => {
  const value = fields.string(raw, path, "host", "127.0.0.1")
  return value === "" || /\s/u.test(value)
    ? fields.fail(`${path}.host`, `not a host name or address: ${JSON.stringify(value)}`)
    : value
}

const c2sListener = (fields: Fields, raw: Table): C2sListener | undefined => {
  const path = "listen.c2s"
  fields.onlyKeys(raw, path, [
    "enabled",
    "host",
    "port",
    "tls",
    "direct_tls_port",
    "allow_plain_without_tls",
    "trusted_proxies",
  ])
  const listener: C2sListener = {
    host: host(fields, raw, path),
    port: fields.integer(raw, path, "port", 5222, portRange),
    tls: fields.oneOf(raw, path, "tls", "required", tlsPolicies),
    direct_tls_port: fields.integer(raw, path, "direct_tls_port", 0, portRange),
    allow_plain_without_tls: fields.boolean(raw, path, "allow_plain_without_tls", false),
    trusted_proxies: trustedProxiesField(fields, raw, path),
  }
  return enabled(fields, raw, path) ? listener : undefined
}

/** `allowed_origins`: a list of origins (`https://chat.example.org`) or `"*"`; default []. */
const allowedOrigins = (fields: Fields, raw: Table, path: string): ReadonlyArray<string> => {
  const value = raw.allowed_origins
  if (value === undefined) return []
  const key = `${path}.allowed_origins`
  if (!Array.isArray(value))
    return fields.fail(key, `expected a list of origins like ["https://chat.example.org"]`)
  return value.map((entry: unknown) => {
    const origin = typeof entry === "string" ? normalizeOrigin(entry) : undefined
    return origin === undefined
      ? fields.fail(
          key,
          `${JSON.stringify(entry)} is not an origin: expected scheme://host[:port] (no path) or "*"`,
        )
      : origin
  })
}

const webSocketListener = (fields: Fields, raw: Table): WebSocketListener | undefined => {
  const path = "listen.websocket"
  fields.onlyKeys(raw, path, [
    "enabled",
    "host",
    "port",
    "path",
    "allowed_origins",
    "trusted_proxies",
  ])
  const urlPath = fields.string(raw, path, "path", "/xmpp-websocket")
  if (!urlPath.startsWith("/"))
    fields.fail(`${path}.path`, `must start with "/", got ${JSON.stringify(urlPath)}`)
  const listener: WebSocketListener = {
    host: host(fields, raw, path),
    port: fields.integer(raw, path, "port", 5280, portRange),
    path: urlPath,
    allowed_origins: allowedOrigins(fields, raw, path),
    trusted_proxies: trustedProxiesField(fields, raw, path),
  }
  return enabled(fields, raw, path) ? listener : undefined
}

const componentListener = (fields: Fields, raw: Table): ComponentListener | undefined => {
  const path = "listen.component"
  fields.onlyKeys(raw, path, ["enabled", "host", "port", "trusted_proxies"])
  const listener: ComponentListener = {
    host: host(fields, raw, path),
    port: fields.integer(raw, path, "port", 5347, portRange),
    trusted_proxies: trustedProxiesField(fields, raw, path),
  }
  return enabled(fields, raw, path) ? listener : undefined
}

const componentEntries = (
  fields: Fields,
  raw: unknown,
  serverDomain: string,
): ReadonlyArray<ComponentEntry> => {
  if (raw === undefined) return []
  if (!Array.isArray(raw))
    return fields.fail("components", "expected an array of tables ([[components]])")
  const seen = new Set<string>([serverDomain])
  return raw.map((entry: unknown, index) => {
    const path = `components[${index}]`
    const table = fields.table(entry, path)
    fields.onlyKeys(table, path, ["domain", "secret", "stanzas_per_second", "stanza_burst"])
    if (table.domain === undefined) fields.fail(`${path}.domain`, "missing")
    if (table.secret === undefined) fields.fail(`${path}.secret`, "missing")
    const domain = fields.domain(table, path, "domain", "")
    const secret = fields.string(table, path, "secret", "")
    if (secret === "") fields.fail(`${path}.secret`, "must not be empty")
    if (seen.has(domain)) {
      fields.fail(`${path}.domain`, `${JSON.stringify(domain)} is already served`)
    }
    seen.add(domain)
    return {
      domain,
      secret,
      stanzas_per_second: fields.integer(table, path, "stanzas_per_second", 0, [0, 1_000_000]),
      stanza_burst: fields.integer(table, path, "stanza_burst", 10_000, [1, 10_000_000]),
    }
  })
}

const moduleTables = (
  fields: Fields,
  raw: Table,
  names: ReadonlyArray<string>,
): ServerConfig["modules"] => {
  const modules: Record<string, Readonly<Record<string, unknown>>> = {}
  for (const [name, table] of Object.entries(raw)) {
    if (!names.includes(name)) {
      fields.fail(`modules.${name}`, `unknown module (known modules: ${names.join(", ")})`)
    }
    modules[name] = { ...fields.table(table, `modules.${name}`) }
  }
  return modules
}

const testingFaults = (fields: Fields, raw: Table): TestingFaults => {
  const testing = fields.table(raw.testing, "testing")
  fields.onlyKeys(testing, "testing", ["faults"])
  const faults = fields.table(testing.faults, "testing.faults")
  const path = "testing.faults"
  fields.onlyKeys(faults, path, ["mam_write", "offline_write", "socket_write_marker"])
  return {
    mam_write: fields.boolean(faults, path, "mam_write", false),
    offline_write: fields.boolean(faults, path, "offline_write", false),
    socket_write_marker: fields.string(faults, path, "socket_write_marker", ""),
  }
}

/** Two enabled listeners may not bind the same non-zero port on the same host. */
const checkDistinctPorts = (fields: Fields, listen: ServerConfig["listen"]): void => {
  const bindings: Array<readonly [string, string, number]> = []
  if (listen.c2s !== undefined) {
    bindings.push(["listen.c2s.port", listen.c2s.host, listen.c2s.port])
    bindings.push(["listen.c2s.direct_tls_port", listen.c2s.host, listen.c2s.direct_tls_port])
  }
  if (listen.websocket !== undefined) {
    bindings.push(["listen.websocket.port", listen.websocket.host, listen.websocket.port])
  }
  if (listen.component !== undefined) {
    bindings.push(["listen.component.port", listen.component.host, listen.component.port])
  }
  bindings.forEach(([key, host, port], index) => {
    if (port === 0) return
    const earlier = bindings
      .slice(0, index)
      .find(([, otherHost, otherPort]) => otherHost === host && otherPort === port)
    if (earlier !== undefined) fields.fail(key, `port ${port} is already used by ${earlier[0]}`)
  })
}

/**
 * Validates a parsed configuration and fills the defaults. `baseDir` resolves relative paths.
 * Throws `ConfigError`. Example: `validateConfig({ server: { domain: "example.org" } }, process.cwd())`.
 */
export const validateConfig = (
  input: unknown,
  baseDir: string,
  source?: string,
  options: ConfigOptions = {},
): ServerConfig => {
  const fields = fieldsFor(source)
  const root = fields.table(input, "")
  fields.onlyKeys(root, "", [
    "server",
    "listen",
    "tls",
    "limits",
    "storage",
    "cluster",
    "components",
    "modules",
    "testing",
  ])
  const server = serverSection(fields, fields.table(root.server, "server"), baseDir)
  const listen = fields.table(root.listen, "listen")
  fields.onlyKeys(listen, "listen", ["c2s", "websocket", "component"])
  const tls = fields.table(root.tls, "tls")
  fields.onlyKeys(tls, "tls", ["cert_file", "key_file"])
  const certFile = fields.optionalString(tls, "tls", "cert_file")
  const keyFile = fields.optionalString(tls, "tls", "key_file")
  if ((certFile === undefined) !== (keyFile === undefined)) {
    fields.fail(
      certFile === undefined ? "tls.cert_file" : "tls.key_file",
      "tls.cert_file and tls.key_file must be set together",
    )
  }
  const listeners: ServerConfig["listen"] = {
    c2s: c2sListener(fields, fields.table(listen.c2s, "listen.c2s")),
    websocket: webSocketListener(fields, fields.table(listen.websocket, "listen.websocket")),
    component: componentListener(fields, fields.table(listen.component, "listen.component")),
  }
  checkDistinctPorts(fields, listeners)
  const storage = storageSection(
    fields,
    fields.table(root.storage, "storage"),
    options.environment ?? process.env,
  )
  return {
    server,
    listen: listeners,
    tls: {
      cert_file: certFile === undefined ? undefined : resolve(baseDir, certFile),
      key_file: keyFile === undefined ? undefined : resolve(baseDir, keyFile),
    },
    limits: limitsSection(fields, fields.table(root.limits, "limits")),
    storage,
    cluster: clusterSection(fields, fields.table(root.cluster, "cluster"), storage),
    components: componentEntries(fields, root.components, server.domain),
    modules: moduleTables(
      fields,
      fields.table(root.modules, "modules"),
      options.moduleNames ?? builtinModuleNames,
    ),
    testing: { faults: testingFaults(fields, root) },
  }
}

/**
 * Parses TOML text; `source` (the file's path) names it in errors and anchors relative paths.
 * Throws `ConfigError`. Example: `parseConfig('[server]\ndomain = "example.org"')`.
 */
export const parseConfig = (
  tomlText: string,
  source?: string,
  options?: ConfigOptions,
): ServerConfig => {
  let document: unknown
  try {
    document = parse(tomlText)
  } catch (error) {
    if (!(error instanceof TomlError)) throw error
    const firstLine = error.message.split("\n")[0] ?? error.message
    throw new ConfigError(
      "",
      `invalid TOML at line ${error.line}, column ${error.column}: ${firstLine}`,
      source,
    )
  }
  const baseDir = source === undefined ? process.cwd() : dirname(resolve(source))
  return validateConfig(document, baseDir, source, options)
}

/**
 * Reads and validates the TOML file at `path`. Throws `ConfigError` (also for a missing or
 * unreadable file). Example: `loadConfigFile("/etc/xmpp-amp/server.toml")`.
 */
export const loadConfigFile = (path: string, options?: ConfigOptions): ServerConfig => {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new ConfigError(
      "",
      code === "ENOENT"
        ? "the configuration file does not exist"
        : `cannot read it: ${(error as Error).message}`,
      path,
    )
  }
  return parseConfig(text, path, options)
}

/**
 * The configuration from a partial one, with defaults and the same validation as a file;
 * relative paths resolve against the working directory. Throws `ConfigError`.
 * Example: `makeConfig({ server: { data_dir }, listen: { c2s: { port: 0 } } })`.
 */
export const makeConfig = (partial: ConfigInput = {}, options?: ConfigOptions): ServerConfig =>
  validateConfig(partial, process.cwd(), undefined, options)
