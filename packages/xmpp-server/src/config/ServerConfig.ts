// The reference server's configuration, exactly as the TOML file spells it (spec/server.md
// "Running it"). Keys mirror the file (snake_case) so an error can name the key the user wrote.
// `loadConfig` (src/config/loadConfig.ts) parses, validates and fills the defaults below.

/** TLS policy of the c2s listener. */
export type TlsPolicy = "required" | "optional" | "off"

/** `[server]`: identity, storage location and stream limits. */
export interface ServerSection {
  readonly domain: string
  /** The embedded database and generated certificates live here. */
  readonly data_dir: string
  /** Largest stanza accepted, in bytes; a larger one is a `policy-violation` stream error. */
  readonly max_stanza_bytes: number
  /** Sessions one account may have at once. */
  readonly max_sessions_per_user: number
  /** Items one account's roster may hold; a roster set adding more gets `not-acceptable`. */
  readonly max_roster_items: number
  /** Seconds a connection may stay unauthenticated. */
  readonly auth_timeout_seconds: number
  /** Seconds to wait for streams to close on a graceful stop. */
  readonly shutdown_grace_seconds: number
  /** Seconds a graceful stop then waits for stanzas already read to finish their processing. */
  readonly shutdown_drain_seconds: number
}

/**
 * `[limits]`: what one address or one session may do (RFC 6120 §13.9 "Denial of Service"). A
 * count or rate of 0 turns that limit off. src/limits applies them.
 */
export interface LimitsSection {
  /** New connections one IP address may open per window; more are refused. */
  readonly connections_per_ip: number
  /** The window of `connections_per_ip`, in seconds. */
  readonly connection_window_seconds: number
  /** Connections of one IP address that may be open and not yet authenticated at once. */
  readonly unauthenticated_per_ip: number
  /** Top-level elements per second one authenticated session may send (token bucket rate). */
  readonly stanzas_per_second: number
  /** Elements a session may send at once before the rate applies (token bucket size). */
  readonly stanza_burst: number
  /** Elements read from a throttled session and waiting; one more is a `policy-violation`. */
  readonly max_waiting_stanzas: number
  /** Bytes per second all client connections of one IP address may send together. */
  readonly bytes_per_second_per_ip: number
  /** Bytes one IP address may send at once before `bytes_per_second_per_ip` applies. */
  readonly byte_burst_per_ip: number
  /**
   * IPv6 addresses are counted per prefix of this many bits (64: one /64, what one host is
   * usually given; 128: address by address). IPv4 addresses are counted one by one.
   */
  readonly ipv6_prefix_length: number
  /**
   * Failed logins (SASL, component handshakes) one address may make within
   * `auth_failure_window_seconds`; past it the address is refused before any credential is
   * checked, with the seconds until it may retry.
   */
  readonly auth_failures_per_ip: number
  /** How long a failed login counts against its address and its account, in seconds. */
  readonly auth_failure_window_seconds: number
  /**
   * Failed logins for one account (or component) within the window before further attempts
   * from addresses without a good history wait for a slot (distributed guessing).
   */
  readonly auth_failures_per_account: number
  /** The slot interval for the first failure past `auth_failures_per_account`; doubles with each more. */
  readonly auth_account_delay_ms: number
  /** The longest slot interval; an attempt that would wait past the auth timeout is refused. */
  readonly auth_account_max_delay_ms: number
  /**
   * Full JIDs one session may have sent directed presence to and not yet unavailable (RFC 6121
   * §4.6: the server tracks them to send unavailable at the end); one more is refused.
   */
  readonly max_directed_presences: number
}

/** `[listen.c2s]`: TCP client connections (STARTTLS; optional direct TLS, XEP-0368). */
export interface C2sListener {
  readonly host: string
  readonly port: number
  readonly tls: TlsPolicy
  /** Port for direct TLS (XEP-0368); 0 disables it. */
  readonly direct_tls_port: number
  /** Allow SASL PLAIN without TLS (only honoured when `tls` is "off" or "optional"). */
  readonly allow_plain_without_tls: boolean
  /**
   * Addresses/CIDR networks of proxies that must open every connection with a PROXY protocol
   * v2 header carrying the client's address (also on `direct_tls_port`).
   */
  readonly trusted_proxies: ReadonlyArray<string>
}

/** `[listen.websocket]`: RFC 7395 at `ws://HOST:PORT/xmpp-websocket`. */
export interface WebSocketListener {
  readonly host: string
  readonly port: number
  readonly path: string
  /**
   * Origins (`scheme://host[:port]`, or `"*"`) whose browser pages may connect; empty (the
   * default): pages from the host the client connected to. Clients without `Origin` always
   * may (src/listeners/AllowedOrigins.ts).
   */
  readonly allowed_origins: ReadonlyArray<string>
  /** Addresses/CIDR networks of proxies whose `Forwarded`/`X-Forwarded-*` headers are read. */
  readonly trusted_proxies: ReadonlyArray<string>
}

/** `[listen.component]`: XEP-0114 external components. */
export interface ComponentListener {
  readonly host: string
  readonly port: number
  /** Addresses/CIDR networks of proxies that must send a PROXY protocol v2 header. */
  readonly trusted_proxies: ReadonlyArray<string>
}

/** `[[components]]`: one external component allowed to connect. */
export interface ComponentEntry {
  readonly domain: string
  readonly secret: string
  /** Stanzas per second the component may send (token bucket rate); 0: no limit. */
  readonly stanzas_per_second: number
  /** Stanzas it may send at once before `stanzas_per_second` applies (token bucket size). */
  readonly stanza_burst: number
}

/** `[tls]`: certificate and key in PEM; a self-signed pair is generated in data_dir when unset. */
export interface TlsSection {
  readonly cert_file: string | undefined
  readonly key_file: string | undefined
}

/** Where the server's data lives: "sqlite" (embedded, default) or "postgres". */
export type StorageBackendKind = "sqlite" | "postgres"

/** `[storage]`: the backend (spec/cluster.md "Storage"); src/config/storageSection.ts reads it. */
export interface StorageSection {
  readonly backend: StorageBackendKind
  /** The PostgreSQL URL (env XMPP_AMP_DATABASE_URL wins); required for "postgres". */
  readonly url: string | undefined
  /** Connections in the PostgreSQL pool. */
  readonly pool_size: number
}

/** `[cluster]` (spec/cluster.md): this process as one node of a cluster on NATS. */
export interface ClusterSection {
  /** True: this process is one node of a cluster (needs `[storage] backend = "postgres"`). */
  readonly enabled: boolean
  /** Unique per node; default: host name + pid. */
  readonly node: string
  /** One or more NATS server URLs. */
  readonly nats: ReadonlyArray<string>
}

/** `[testing.faults]`: failure switches for tests; off unless set, logged loudly at start. */
export interface TestingFaults {
  readonly mam_write: boolean
  readonly offline_write: boolean
  readonly socket_write_marker: string
}

/** The whole configuration after validation and defaults. */
export interface ServerConfig {
  readonly server: ServerSection
  readonly listen: {
    readonly c2s: C2sListener | undefined
    readonly websocket: WebSocketListener | undefined
    readonly component: ComponentListener | undefined
  }
  readonly tls: TlsSection
  readonly limits: LimitsSection
  readonly storage: StorageSection
  readonly cluster: ClusterSection
  readonly components: ReadonlyArray<ComponentEntry>
  /**
   * `[modules.NAME]` tables. Each module validates its own table (it knows its keys); the
   * server only checks that every table names a known module.
   */
  readonly modules: Readonly<Record<string, Readonly<Record<string, unknown>>>>
  readonly testing: { readonly faults: TestingFaults }
}
