// ejabberd (Debian's package) configured for the benchmark in a temporary directory: its
// config, Mnesia spool and logs there, loopback only, no STARTTLS, no c2s shaper (Debian's
// default limits clients to 3000 B/s), in-band registration (XEP-0077) open without its
// per-IP timeout, no MAM (Debian's default config has no mod_mam for users either), SCRAM
// keys stored at registration as in Debian's default (with plain storage every SCRAM login
// derives the key in Erlang: 200 logins took 30-55 s instead of 2-5 s). The
// Erlang VM is started directly with `erl`, not `ejabberdctl` (which switches to the ejabberd
// user and starts a named node): without a node name no distribution and no epmd daemon is
// started, so nothing outlives the run.
import { mkdirSync, readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { freePort, type RunningServer, startServer } from "./ServerProcess.js"

/** Modules like Debian's default config for one-to-one chat, without MUC, PubSub, HTTP. */
export const ejabberdModules = [
  "mod_disco",
  "mod_roster",
  "mod_ping",
  "mod_carboncopy",
  "mod_stream_mgmt",
  "mod_client_state",
  "mod_offline",
  "mod_privacy",
  "mod_blocking",
  "mod_register",
]

/** The benchmark's ejabberd.yml, its c2s listener on `port` of 127.0.0.1 (the cluster bench's nodes too). */
export const configText = (port: number): string =>
  [
    "loglevel: warning",
    "hosts:",
    "  - localhost",
    "listen:",
    `  - port: ${port}`,
    '    ip: "127.0.0.1"',
    "    module: ejabberd_c2s",
    "    max_stanza_size: 262144",
    "    starttls: false",
    "auth_method: internal",
    "auth_password_format: scram",
    "registration_timeout: infinity",
    "shaper_rules:",
    "  max_user_sessions: 10",
    "access_rules:",
    "  register:",
    "    allow: all",
    "modules:",
    ...ejabberdModules.map((name) =>
      name === "mod_register"
        ? "  mod_register:\n    ip_access: all\n    access: register"
        : `  ${name}: {}`,
    ),
    "",
  ].join("\n")

/** Debian installs ejabberd's Erlang applications under /usr/lib/<multiarch triplet> (ERL_LIBS). */
export const ejabberdLibraries = (): string =>
  readdirSync("/usr/lib")
    .map((name) => join("/usr/lib", name))
    .find(
      (path) =>
        path.endsWith("-linux-gnu") &&
        readdirSync(path).some((entry) => entry.startsWith("ejabberd-")),
    ) ?? "/usr/lib/x86_64-linux-gnu"

/** Starts ejabberd in `directory` (created), pinned to `core`. */
export const startEjabberd = async (directory: string, core: number): Promise<RunningServer> => {
  const spool = join(directory, "spool")
  mkdirSync(spool, { recursive: true })
  mkdirSync(join(directory, "logs"), { recursive: true })
  const port = await freePort()
  const configFile = join(directory, "ejabberd.yml")
  writeFileSync(configFile, configText(port))
  const inetrc = join(directory, "inetrc")
  writeFileSync(inetrc, '{lookup,["file","native"]}.\n{host,{127,0,0,1}, ["localhost"]}.\n')
  return startServer(
    {
      name: "ejabberd",
      command: "erl",
      // +K true: kernel poll, as ejabberdctl starts it.
      args: ["+K", "true", "-noinput", "-mnesia", "dir", JSON.stringify(spool), "-s", "ejabberd"],
      cwd: spool,
      env: {
        ...process.env,
        EJABBERD_CONFIG_PATH: configFile,
        EJABBERD_LOG_PATH: join(directory, "logs", "ejabberd.log"),
        ERL_LIBS: ejabberdLibraries(),
        ERL_INETRC: inetrc,
        ERL_CRASH_DUMP_BYTES: "0",
      },
      core,
    },
    port,
  )
}
