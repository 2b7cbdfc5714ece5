// The TOML configuration: defaults from spec/server.md, the spec's own example file, relative
// paths, module tables, and a `ConfigError` naming the dotted key for every kind of mistake.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { defaultNodeName } from "../../src/config/clusterSection.js"
import {
  builtinModuleNames,
  ConfigError,
  loadConfigFile,
  makeConfig,
  parseConfig,
} from "../../src/config/loadConfig.js"

const directory = mkdtempSync(join(tmpdir(), "xmpp-amp-config-"))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

const errorOf = (work: () => unknown): ConfigError => {
  try {
    work()
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error("expected a ConfigError")
}

const specExample = `
[server]
domain = "localhost"
data_dir = "./data"            # the embedded database and generated certificates

[listen.c2s]
host = "127.0.0.1"
port = 5222
tls = "required"               # "required" | "optional" | "off"

[listen.websocket]
host = "127.0.0.1"
port = 5280                    # ws://HOST:5280/xmpp-websocket

[listen.component]
host = "127.0.0.1"
port = 5347
[[components]]
domain = "push.localhost"
secret = "change-me"

[modules.amp]                  # see spec/amp.md
enabled = true
actions = ["alert", "drop", "error", "notify"]
conditions = ["deliver", "expire-at", "match-resource"]
max_rules = 16
presence_check = true
direct_confirm = "socket"
[modules.offline]
enabled = true
[modules.mam]
enabled = true
[modules.push]                 # see spec/push.md
enabled = true

[testing.faults]               # off unless set; logged loudly at start
mam_write = false
offline_write = false
socket_write_marker = ""
`

describe("defaults", () => {
  it("match spec/server.md with no file at all", () => {
    expect(makeConfig()).toEqual({
      server: {
        domain: "localhost",
        data_dir: resolve("data"),
        max_stanza_bytes: 262_144,
        max_sessions_per_user: 10,
        max_roster_items: 5000,
        auth_timeout_seconds: 30,
        shutdown_grace_seconds: 5,
        shutdown_drain_seconds: 5,
      },
      listen: {
        c2s: {
          host: "127.0.0.1",
          port: 5222,
          tls: "required",
          direct_tls_port: 0,
          allow_plain_without_tls: false,
          trusted_proxies: [],
        },
        websocket: {
          host: "127.0.0.1",
          port: 5280,
          path: "/xmpp-websocket",
          allowed_origins: [],
          trusted_proxies: [],
        },
        component: { host: "127.0.0.1", port: 5347, trusted_proxies: [] },
      },
      tls: { cert_file: undefined, key_file: undefined },
      limits: {
        connections_per_ip: 2000,
        connection_window_seconds: 10,
        unauthenticated_per_ip: 500,
        stanzas_per_second: 1000,
        stanza_burst: 10_000,
        max_waiting_stanzas: 10_000,
        bytes_per_second_per_ip: 0,
        byte_burst_per_ip: 1_048_576,
        ipv6_prefix_length: 64,
        auth_failures_per_ip: 10,
        auth_failure_window_seconds: 600,
        auth_failures_per_account: 5,
        auth_account_delay_ms: 1000,
        auth_account_max_delay_ms: 20_000,
        max_directed_presences: 1000,
      },
      storage: { backend: "sqlite", url: undefined, pool_size: 10 },
      cluster: { enabled: false, node: defaultNodeName(), nats: ["nats://127.0.0.1:4222"] },
      components: [],
      modules: {},
      testing: { faults: { mam_write: false, offline_write: false, socket_write_marker: "" } },
    })
  })

  it("are the same for an empty file", () => {
    expect(parseConfig("")).toEqual(makeConfig())
  })
})

describe("parseConfig", () => {
  it("reads the example file of spec/server.md", () => {
    const config = parseConfig(specExample, join(directory, "server.toml"))
    expect(config.server.domain).toBe("localhost")
    expect(config.server.data_dir).toBe(join(directory, "data"))
    expect(config.listen.c2s).toMatchObject({ port: 5222, tls: "required" })
    expect(config.components).toEqual([
      {
        domain: "push.localhost",
        secret: "change-me",
        stanzas_per_second: 0,
        stanza_burst: 10_000,
      },
    ])
    expect(Object.keys(config.modules).sort()).toEqual(["amp", "mam", "offline", "push"])
    expect(config.modules.amp).toEqual({
      enabled: true,
      actions: ["alert", "drop", "error", "notify"],
      conditions: ["deliver", "expire-at", "match-resource"],
      max_rules: 16,
      presence_check: true,
      direct_confirm: "socket",
    })
  })

  it("allows one port on different hosts, several port 0s, and a port a disabled listener had", () => {
    const config = parseConfig(`
      [listen.c2s]
      port = 0
      [listen.websocket]
      port = 0
      [listen.component]
      host = "127.0.0.2"
      port = 5280
    `)
    expect(config.listen.component?.port).toBe(5280)
    const disabled = parseConfig("[listen.websocket]\nport = 5222\n[listen.c2s]\nenabled = false")
    expect(disabled.listen.websocket?.port).toBe(5222)
  })

  it("takes port 0 (ephemeral), turns listeners off with enabled = false", () => {
    const config = parseConfig(`
      [listen.c2s]
      port = 0
      tls = "optional"
      direct_tls_port = 5223
      [listen.websocket]
      enabled = false
      [listen.component]
      enabled = false
    `)
    expect(config.listen.c2s).toMatchObject({ port: 0, tls: "optional", direct_tls_port: 5223 })
    expect(config.listen.websocket).toBeUndefined()
    expect(config.listen.component).toBeUndefined()
  })

  it("resolves data_dir and TLS files against the config file's directory", () => {
    const config = parseConfig(
      `[server]\ndata_dir = "state"\n[tls]\ncert_file = "tls/cert.pem"\nkey_file = "/etc/key.pem"\n`,
      join(directory, "conf", "server.toml"),
    )
    expect(config.server.data_dir).toBe(join(directory, "conf", "state"))
    expect(config.tls).toEqual({
      cert_file: join(directory, "conf", "tls", "cert.pem"),
      key_file: "/etc/key.pem",
    })
  })

  it("resolves relative paths against the working directory without a file", () => {
    expect(parseConfig(`[server]\ndata_dir = "state"`).server.data_dir).toBe(resolve("state"))
  })

  it("lower-cases the domain and accepts IP literals and internationalised names", () => {
    expect(parseConfig(`[server]\ndomain = "Example.ORG"`).server.domain).toBe("example.org")
    expect(parseConfig(`[server]\ndomain = "127.0.0.1"`).server.domain).toBe("127.0.0.1")
    expect(parseConfig(`[server]\ndomain = "[::1]"`).server.domain).toBe("[::1]")
    expect(parseConfig(`[server]\ndomain = "bücher.example"`).server.domain).toBe("bücher.example")
  })

  it("reads testing faults", () => {
    const config = parseConfig(
      `[testing.faults]\nmam_write = true\nsocket_write_marker = "BREAK"\n`,
    )
    expect(config.testing.faults).toEqual({
      mam_write: true,
      offline_write: false,
      socket_write_marker: "BREAK",
    })
  })

  it("accepts module names added by a plugin", () => {
    const config = parseConfig(`[modules.muc]\nrooms = 3`, undefined, {
      moduleNames: [...builtinModuleNames, "muc"],
    })
    expect(config.modules).toEqual({ muc: { rooms: 3 } })
  })
})

describe("errors name the key", () => {
  it.each([
    [
      '[listen.c2s]\ntls = "yes"',
      'listen.c2s.tls: expected "required" | "optional" | "off", got "yes"',
    ],
    [
      "[listen.c2s]\nport = 70000",
      "listen.c2s.port: expected an integer from 0 to 65535, got 70000",
    ],
    ["[listen.c2s]\nport = -1", "listen.c2s.port: expected an integer from 0 to 65535, got -1"],
    ['[listen.c2s]\nport = "5222"', 'listen.c2s.port: expected an integer, got "5222"'],
    ["[listen.c2s]\nport = 52.5", "listen.c2s.port: expected an integer, got 52.5"],
    [
      "[listen.c2s]\ndirect_tls_port = 65536",
      "listen.c2s.direct_tls_port: expected an integer from 0 to 65535, got 65536",
    ],
    [
      '[listen.c2s]\nallow_plain_without_tls = "yes"',
      'listen.c2s.allow_plain_without_tls: expected true or false, got "yes"',
    ],
    ['[listen.c2s]\nenabled = "no"', 'listen.c2s.enabled: expected true or false, got "no"'],
    ['[listen.c2s]\nhost = ""', 'listen.c2s.host: not a host name or address: ""'],
    ["[listen.c2s]\ntsl = 1", "listen.c2s.tsl: unknown key"],
    [
      "[listen.websocket]\nport = 99999",
      "listen.websocket.port: expected an integer from 0 to 65535, got 99999",
    ],
    ['[listen.websocket]\npath = "xmpp"', 'listen.websocket.path: must start with "/", got "xmpp"'],
    [
      '[listen.websocket]\nallowed_origins = "https://chat.example.org"',
      'listen.websocket.allowed_origins: expected a list of origins like ["https://chat.example.org"]',
    ],
    [
      '[listen.websocket]\nallowed_origins = ["https://chat.example.org/app"]',
      'listen.websocket.allowed_origins: "https://chat.example.org/app" is not an origin',
    ],
    [
      '[listen.websocket]\nallowed_origins = ["chat.example.org"]',
      'listen.websocket.allowed_origins: "chat.example.org" is not an origin',
    ],
    ["[listen.component]\nport = true", "listen.component.port: expected an integer, got true"],
    ["[listen.s2s]\nport = 5269", "listen.s2s: unknown key"],
    ["[listen]\nc2s = 5222", "listen.c2s: expected a table, got 5222"],
    ['[server]\ndomain = "not a domain"', 'server.domain: not a valid domain name: "not a domain"'],
    ['[server]\ndomain = "user@host"', 'server.domain: not a valid domain name: "user@host"'],
    ['[server]\ndomain = "-bad-.org"', 'server.domain: not a valid domain name: "-bad-.org"'],
    ["[server]\ndomain = 5", "server.domain: expected a string, got 5"],
    ['[server]\ndata_dir = ""', "server.data_dir: must not be empty"],
    [
      "[server]\nmax_stanza_bytes = 100",
      "server.max_stanza_bytes: expected an integer from 10000 to 67108864, got 100",
    ],
    [
      "[server]\nmax_sessions_per_user = 0",
      "server.max_sessions_per_user: expected an integer from 1 to 1000, got 0",
    ],
    [
      "[server]\nmax_roster_items = 0",
      "server.max_roster_items: expected an integer from 1 to 1000000, got 0",
    ],
    [
      "[server]\nauth_timeout_seconds = 0",
      "server.auth_timeout_seconds: expected an integer from 1 to 3600, got 0",
    ],
    [
      "[server]\nshutdown_grace_seconds = -5",
      "server.shutdown_grace_seconds: expected an integer from 0 to 600, got -5",
    ],
    [
      "[server]\nshutdown_drain_seconds = 601",
      "server.shutdown_drain_seconds: expected an integer from 0 to 600, got 601",
    ],
    ["[server]\nport = 5222", "server.port: unknown key"],
    ["server = 1", "server: expected a table, got 1"],
    ["[srever]\ndomain = 'x'", "srever: unknown key"],
    [
      '[tls]\ncert_file = "c.pem"',
      "tls.key_file: tls.cert_file and tls.key_file must be set together",
    ],
    [
      '[tls]\nkey_file = "k.pem"',
      "tls.cert_file: tls.cert_file and tls.key_file must be set together",
    ],
    ['[tls]\ncert_file = ""\nkey_file = "k.pem"', "tls.cert_file: must not be empty"],
    ["[tls]\ncert_file = 1\nkey_file = 2", "tls.cert_file: expected a string, got 1"],
    ['[tls]\npassphrase = "x"', "tls.passphrase: unknown key"],
    ['[[components]]\ndomain = "push.localhost"', "components[0].secret: missing"],
    ['[[components]]\nsecret = "s"', "components[0].domain: missing"],
    [
      '[[components]]\ndomain = "push.localhost"\nsecret = ""',
      "components[0].secret: must not be empty",
    ],
    [
      '[[components]]\ndomain = "push.localhost"\nsecret = "s"\nport = 1',
      "components[0].port: unknown key",
    ],
    [
      '[[components]]\ndomain = "push.localhost"\nsecret = "s"\nstanzas_per_second = -5',
      "components[0].stanzas_per_second: expected an integer from 0 to 1000000, got -5",
    ],
    [
      '[[components]]\ndomain = "push.localhost"\nsecret = "s"\nstanza_burst = 0',
      "components[0].stanza_burst: expected an integer from 1 to 10000000, got 0",
    ],
    [
      '[[components]]\ndomain = "a b"\nsecret = "s"',
      'components[0].domain: not a valid domain name: "a b"',
    ],
    [
      '[[components]]\ndomain = "p.localhost"\nsecret = "s"\n[[components]]\ndomain = "P.localhost"\nsecret = "t"',
      'components[1].domain: "p.localhost" is already served',
    ],
    [
      '[[components]]\ndomain = "localhost"\nsecret = "s"',
      'components[0].domain: "localhost" is already served',
    ],
    ["components = 1", "components: expected an array of tables ([[components]])"],
    ["components = [1]", "components[0]: expected a table, got 1"],
    [
      "[modules.ampp]\nenabled = true",
      "modules.ampp: unknown module (known modules: amp, offline, mam, push, register, stream_management, carbons, csi)",
    ],
    ["[modules]\namp = true", "modules.amp: expected a table, got true"],
    ["modules = []", "modules: expected a table, got an array"],
    [
      '[testing.faults]\nmam_write = "true"',
      'testing.faults.mam_write: expected true or false, got "true"',
    ],
    [
      "[testing.faults]\nsocket_write_marker = 3",
      "testing.faults.socket_write_marker: expected a string, got 3",
    ],
    ["[testing.faults]\ndisk_full = true", "testing.faults.disk_full: unknown key"],
    ["[testing]\nslow = true", "testing.slow: unknown key"],
    [
      "[listen.websocket]\nport = 5222",
      "listen.websocket.port: port 5222 is already used by listen.c2s.port",
    ],
    [
      "[listen.c2s]\ndirect_tls_port = 5347",
      "listen.component.port: port 5347 is already used by listen.c2s.direct_tls_port",
    ],
  ])("%j", (toml, message) => {
    const error = errorOf(() => parseConfig(toml, "server.toml"))
    expect(error.message.startsWith(`server.toml: ${message}`)).toBe(true)
    expect(error.source).toBe("server.toml")
  })

  it("gives the dotted key separately from the reason", () => {
    const error = errorOf(() => parseConfig('[listen.c2s]\ntls = "yes"'))
    expect(error.key).toBe("listen.c2s.tls")
    expect(error.reason).toBe('expected "required" | "optional" | "off", got "yes"')
    expect(error.message).toBe(
      'listen.c2s.tls: expected "required" | "optional" | "off", got "yes"',
    )
  })

  it("lists the known keys for an unknown one", () => {
    expect(errorOf(() => parseConfig("[listen.websocket]\nurl = 1")).message).toBe(
      "listen.websocket.url: unknown key (known keys: enabled, host, port, path, allowed_origins, trusted_proxies)",
    )
  })

  it("reports TOML syntax errors with line and column", () => {
    const error = errorOf(() => parseConfig('[server]\ndomain = "x"\nport = [\n', "bad.toml"))
    expect(error.key).toBe("")
    expect(error.message).toMatch(/^bad\.toml: invalid TOML at line \d+, column \d+: /)
  })

  it("validates makeConfig input the same way", () => {
    expect(errorOf(() => makeConfig({ listen: { c2s: { port: 123_456 } } })).message).toBe(
      "listen.c2s.port: expected an integer from 0 to 65535, got 123456",
    )
  })
})

describe("loadConfigFile", () => {
  it("reads a file and resolves paths against its directory", () => {
    const file = join(directory, "server.toml")
    writeFileSync(file, `[server]\ndomain = "example.org"\ndata_dir = "db"\n`)
    const config = loadConfigFile(file)
    expect(config.server).toMatchObject({ domain: "example.org", data_dir: join(directory, "db") })
  })

  it("names a missing file", () => {
    const missing = join(directory, "absent.toml")
    expect(errorOf(() => loadConfigFile(missing)).message).toBe(
      `${missing}: the configuration file does not exist`,
    )
  })

  it("names an unreadable file", () => {
    expect(errorOf(() => loadConfigFile(directory)).message).toMatch(
      new RegExp(`^${directory}: cannot read it: `),
    )
  })

  it("names the file in validation errors", () => {
    const file = join(directory, "bad.toml")
    writeFileSync(file, `[listen.c2s]\ntls = "yes"\n`)
    expect(errorOf(() => loadConfigFile(file)).message).toBe(
      `${file}: listen.c2s.tls: expected "required" | "optional" | "off", got "yes"`,
    )
  })
})

describe("makeConfig", () => {
  it("reads trusted_proxies and names a bad entry", () => {
    const config = parseConfig(`
[listen.c2s]
trusted_proxies = ["10.0.0.0/8", "192.0.2.1", "2001:db8::/32"]
[listen.websocket]
trusted_proxies = ["127.0.0.1"]
`)
    expect(config.listen.c2s?.trusted_proxies).toEqual(["10.0.0.0/8", "192.0.2.1", "2001:db8::/32"])
    expect(config.listen.websocket?.trusted_proxies).toEqual(["127.0.0.1"])
    expect(
      errorOf(() => makeConfig({ listen: { c2s: { trusted_proxies: ["10.0.0.0/33"] } } })).message,
    ).toBe('listen.c2s.trusted_proxies[0]: not a prefix length from 0 to 32: "10.0.0.0/33"')
    expect(
      errorOf(() => makeConfig({ listen: { websocket: { trusted_proxies: ["proxy.local"] } } }))
        .message,
    ).toBe('listen.websocket.trusted_proxies[0]: not an IP address: "proxy.local"')
  })

  it("fills what a test leaves out", () => {
    const dataDir = join(directory, "test-data")
    const config = makeConfig({
      server: { data_dir: dataDir },
      listen: { c2s: { port: 0, tls: "optional" }, websocket: { enabled: false } },
      modules: { amp: { max_rules: 4 } },
    })
    expect(config.server).toMatchObject({ domain: "localhost", data_dir: dataDir })
    expect(config.listen.c2s).toEqual({
      host: "127.0.0.1",
      port: 0,
      tls: "optional",
      direct_tls_port: 0,
      allow_plain_without_tls: false,
      trusted_proxies: [],
    })
    expect(config.listen.websocket).toBeUndefined()
    expect(config.listen.component).toEqual({ host: "127.0.0.1", port: 5347, trusted_proxies: [] })
    expect(config.modules).toEqual({ amp: { max_rules: 4 } })
  })
})
