// `[limits]` in the TOML file: defaults, values read, and every bad value stopped with a
// ConfigError naming the dotted key.
import { describe, expect, it } from "vitest"
import { ConfigError, makeConfig, parseConfig } from "../../src/index.js"

const errorOf = (toml: string): ConfigError => {
  try {
    parseConfig(toml, "/etc/xmpp/server.toml")
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error("no ConfigError")
}

describe("[limits]", () => {
  it("has generous defaults, with the byte rate off", () => {
    expect(makeConfig().limits).toEqual({
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
    })
  })

  it("reads every key, and 0 turns a limit off", () => {
    const config = parseConfig(`
[limits]
connections_per_ip = 0
connection_window_seconds = 60
unauthenticated_per_ip = 20
stanzas_per_second = 50
stanza_burst = 200
max_waiting_stanzas = 2000
bytes_per_second_per_ip = 65536
byte_burst_per_ip = 262144
ipv6_prefix_length = 56
auth_failures_per_ip = 0
auth_failure_window_seconds = 3600
auth_failures_per_account = 20
auth_account_delay_ms = 500
auth_account_max_delay_ms = 10000
max_directed_presences = 50
`)
    expect(config.limits).toEqual({
      connections_per_ip: 0,
      connection_window_seconds: 60,
      unauthenticated_per_ip: 20,
      stanzas_per_second: 50,
      stanza_burst: 200,
      max_waiting_stanzas: 2000,
      bytes_per_second_per_ip: 65_536,
      byte_burst_per_ip: 262_144,
      ipv6_prefix_length: 56,
      auth_failures_per_ip: 0,
      auth_failure_window_seconds: 3600,
      auth_failures_per_account: 20,
      auth_account_delay_ms: 500,
      auth_account_max_delay_ms: 10_000,
      max_directed_presences: 50,
    })
  })

  it.each([
    [
      "connections_per_ip = -1",
      "limits.connections_per_ip",
      "expected an integer from 0 to 1000000, got -1",
    ],
    [
      "connection_window_seconds = 0",
      "limits.connection_window_seconds",
      "expected an integer from 1 to 86400, got 0",
    ],
    ["stanzas_per_second = 2.5", "limits.stanzas_per_second", "expected an integer, got 2.5"],
    ["stanza_burst = 0", "limits.stanza_burst", "expected an integer from 1 to 10000000, got 0"],
    [
      'max_waiting_stanzas = "many"',
      "limits.max_waiting_stanzas",
      'expected an integer, got "many"',
    ],
    [
      "byte_burst_per_ip = 100",
      "limits.byte_burst_per_ip",
      "expected an integer from 1024 to 1073741824, got 100",
    ],
    [
      "ipv6_prefix_length = 0",
      "limits.ipv6_prefix_length",
      "expected an integer from 1 to 128, got 0",
    ],
    [
      "max_directed_presences = 0",
      "limits.max_directed_presences",
      "expected an integer from 1 to 1000000, got 0",
    ],
    ["stanza_rate = 5", "limits.stanza_rate", "unknown key"],
  ])("refuses %s", (line, key, reason) => {
    const error = errorOf(`[limits]\n${line}`)
    expect(error.key).toBe(key)
    expect(error.message).toContain(`/etc/xmpp/server.toml: ${key}: ${reason}`)
  })

  it("refuses a [limits] that is not a table", () => {
    const error = errorOf("limits = 5")
    expect(error.key).toBe("limits")
    expect(error.message).toContain("expected a table")
  })
})
