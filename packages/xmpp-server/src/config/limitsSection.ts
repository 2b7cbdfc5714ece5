// Reads the `[limits]` table (spec/server.md "Operation": limits on connection rate and
// traffic). The defaults are generous: they never slow down `npm run bench` (200 clients ×
// 50 messages/s from one address) or the demo, and stop only floods.
import type { Fields, Table } from "./fields.js"
import type { LimitsSection } from "./ServerConfig.js"

/** `[limits]` with every key at its default. */
export const defaultLimits: LimitsSection = {
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
}

const counts = [0, 1_000_000] as const

/** Validates `[limits]`; throws `ConfigError` naming `limits.KEY`. */
export const limitsSection = (fields: Fields, raw: Table): LimitsSection => {
  const path = "limits"
  fields.onlyKeys(raw, path, Object.keys(defaultLimits))
  const read = (key: keyof LimitsSection, range: readonly [number, number]): number =>
    fields.integer(raw, path, key, defaultLimits[key], range)
  return {
    connections_per_ip: read("connections_per_ip", counts),
    connection_window_seconds: read("connection_window_seconds", [1, 86_400]),
    unauthenticated_per_ip: read("unauthenticated_per_ip", counts),
    stanzas_per_second: read("stanzas_per_second", counts),
    stanza_burst: read("stanza_burst", [1, 10_000_000]),
    max_waiting_stanzas: read("max_waiting_stanzas", [1, 10_000_000]),
    bytes_per_second_per_ip: read("bytes_per_second_per_ip", [0, 1_073_741_824]),
    byte_burst_per_ip: read("byte_burst_per_ip", [1024, 1_073_741_824]),
    ipv6_prefix_length: read("ipv6_prefix_length", [1, 128]),
    auth_failures_per_ip: read("auth_failures_per_ip", counts),
    auth_failure_window_seconds: read("auth_failure_window_seconds", [1, 86_400]),
    auth_failures_per_account: read("auth_failures_per_account", counts),
    auth_account_delay_ms: read("auth_account_delay_ms", [1, 600_000]),
    auth_account_max_delay_ms: read("auth_account_max_delay_ms", [1, 600_000]),
    max_directed_presences: read("max_directed_presences", [1, 1_000_000]),
  }
}
