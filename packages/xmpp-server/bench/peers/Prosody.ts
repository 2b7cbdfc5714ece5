// Prosody (Debian's package) configured for the benchmark in a temporary directory: loopback
// only, a port of our choosing, no TLS required, in-band registration (XEP-0077) open on
// loopback so the accounts are created over the wire in seconds, no MAM archive (Debian's
// default config has mod_mam off too) and no bandwidth limits (mod_limits off).
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { freePort, type RunningServer, startServer } from "./ServerProcess.js"

/** Modules like Debian's default config, minus TLS, s2s, limits and the admin/HTTP ones. */
export const prosodyModules = [
  "disco",
  "roster",
  "saslauth",
  "register",
  "ping",
  "carbons",
  "smacks",
  "csi_simple",
  "blocklist",
  "posix",
]

const configText = (directory: string, port: number): string => {
  const quoted = (text: string) => JSON.stringify(text)
  return [
    // We run as root in CI containers; Prosody refuses that unless told.
    "run_as_root = true",
    `pidfile = ${quoted(join(directory, "prosody.pid"))}`,
    `data_path = ${quoted(join(directory, "data"))}`,
    `certificates = ${quoted(join(directory, "certs"))}`,
    'log = { { levels = { min = "warn" }, to = "console" } }',
    'interfaces = { "127.0.0.1" }',
    `c2s_ports = { ${port} }`,
    "c2s_direct_tls_ports = {}",
    "s2s_ports = {}",
    "c2s_require_encryption = false",
    "allow_unencrypted_plain_auth = true",
    "allow_registration = true",
    'registration_whitelist = { "127.0.0.1" }',
    "min_seconds_between_registrations = 0",
    'authentication = "internal_hashed"',
    'storage = "internal"',
    `modules_enabled = { ${prosodyModules.map(quoted).join(", ")} }`,
    'modules_disabled = { "s2s", "limits" }',
    'VirtualHost "localhost"',
    "",
  ].join("\n")
}

/** Starts Prosody in `directory` (created), pinned to `core`, in the foreground (-F). */
export const startProsody = async (directory: string, core: number): Promise<RunningServer> => {
  mkdirSync(join(directory, "data"), { recursive: true })
  mkdirSync(join(directory, "certs"), { recursive: true })
  const port = await freePort()
  const configFile = join(directory, "prosody.cfg.lua")
  writeFileSync(configFile, configText(directory, port))
  return startServer(
    {
      name: "Prosody",
      command: "prosody",
      args: ["--config", configFile, "-F"],
      cwd: directory,
      core,
    },
    port,
  )
}
