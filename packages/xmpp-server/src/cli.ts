// The `xmpp-amp-server` command (spec/server.md "Running it"): `start` runs the server in the
// foreground until SIGINT/SIGTERM; `adduser`, `deluser` and `passwd` go through the running
// server's admin socket (src/admin) so that they take effect at once, or work on the
// storage's account repository directly when no server runs; `adduser --from-file` works on
// the repository (one transaction) and then tells a running server to re-read the accounts.
// Exit codes: 0 success, 1 failure, 2 usage or configuration error.
import { readFileSync } from "node:fs"
import { availableParallelism } from "node:os"
import { parseArgs } from "node:util"
import { AdminClientError, askServer } from "./admin/AdminClient.js"
import { type AdminRequest, type AdminResult, adminProtocolVersion } from "./admin/AdminProtocol.js"
import { adminSocketPath } from "./admin/AdminSocket.js"
import { AccountError, addUser, changePassword, deleteUser } from "./auth/accounts.js"
import { addUsers, parseAccountsFile } from "./auth/accountsFile.js"
import { ConfigError, loadConfigFile, makeConfig } from "./config/loadConfig.js"
import type { ServerConfig } from "./config/ServerConfig.js"
import { silentLogger } from "./log/Logger.js"
import { singleCpuNote } from "./SingleCpuNote.js"
import { exportCommand } from "./storage/commands/exportCommand.js"
import { importCommand } from "./storage/commands/importCommand.js"
import { migrateCommand } from "./storage/commands/migrateCommand.js"
import { causeOf, StorageCommandError } from "./storage/commands/StorageCommandError.js"
import { backendLocation, openConfiguredBackend } from "./storage/openBackend.js"
import type { AccountRepository } from "./storage/repositories/AccountRepository.js"
import { failed } from "./storage/repositories/Outcome.js"
import { StorageError } from "./storage/Storage.js"
import { CertificateError } from "./tls/certificate.js"

const usage = `Usage: xmpp-amp-server <command> [options]

Commands:
  start [--config FILE]                  run the server in the foreground (Ctrl-C stops it)
  adduser --from-file FILE [--config FILE]
                                         create many accounts at once: one "JID PASSWORD"
                                         a line (blank lines and # comments skipped), all or
                                         none if a line is bad; FILE - reads standard input
  adduser JID PASSWORD [--config FILE]   create an account, e.g. adduser alice@localhost s3cret
  deluser JID [--config FILE]            delete an account and everything stored for it;
                                         a running server ends its sessions at once
  passwd JID PASSWORD [--logout] [--config FILE]
                                         set a new password; --logout also ends the
                                         account's open sessions (they stay without it)
  migrate [--config FILE]                create or upgrade the configured database's schema
  export [--config FILE] [--output FILE] write the whole database as JSON lines (default:
                                         standard output)
  import [--config FILE] [--input FILE]  read an export into the configured database, which
                                         must be empty; all or nothing (FILE - or no
                                         --input: standard input)
  help                                   show this text

PASSWORD "-" reads the password from standard input (keeps it out of the process list).
Without --config the built-in defaults apply (domain localhost, data in ./data).
adduser, deluser and passwd reach a running server through DATA_DIR/admin.sock; when no
server runs they change the database directly (deluser and passwd say so).

Exit codes: 0 success, 1 failure, 2 usage or configuration error.
`

/** A failure with its exit code and message. */
class CliFailure extends Error {
  constructor(
    readonly exitCode: 1 | 2,
    message: string,
  ) {
    super(message)
  }
}

const configFrom = (file: string | undefined): ServerConfig =>
  file === undefined ? makeConfig() : loadConfigFile(file)

const passwordFrom = (argument: string): string =>
  argument === "-" ? readFileSync(0, "utf8").replace(/\r?\n$/, "") : argument

/** Opens the configured database for an account command run without a server, then closes it. */
const withAccounts = async <A>(
  config: ServerConfig,
  work: (accounts: AccountRepository) => Promise<A>,
): Promise<A> => {
  // The configured backend ([storage]: SQLite in data_dir or PostgreSQL), migrated if needed.
  const backend = await openConfiguredBackend(config, silentLogger)
  if (failed(backend))
    throw new StorageCommandError(
      `cannot open the ${config.storage.backend} database ${backendLocation(config)}: ${causeOf(backend.message, backendLocation(config))}`,
    )
  try {
    return await work(backend.accounts)
  } finally {
    await backend.close()
  }
}

const expectArguments = (command: string, positionals: ReadonlyArray<string>, count: number) => {
  if (positionals.length !== count) {
    throw new CliFailure(
      2,
      `${command} takes ${count} argument${count === 1 ? "" : "s"}, got ${positionals.length}\n\n${usage}`,
    )
  }
}

/** `adduser --from-file FILE`: every line checked, then one transaction; prints what it did. */
const addUsersFrom = async (
  file: string,
  rest: ReadonlyArray<string>,
  config: ServerConfig,
): Promise<number> => {
  if (rest.length !== 0)
    throw new CliFailure(
      2,
      `adduser --from-file takes no JID or PASSWORD (they come from the file), got ${rest.length} argument${rest.length === 1 ? "" : "s"}\n\n${usage}`,
    )
  const source = file === "-" ? "standard input" : file
  let text: string
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8")
  } catch (error) {
    throw new CliFailure(
      1,
      `cannot read ${source}: ${error instanceof Error ? error.message : error}`,
    )
  }
  const accounts = parseAccountsFile(text, config.server.domain, source)
  const { created, existing } = await withAccounts(config, (repository) =>
    addUsers(repository, config.server.domain, accounts),
  )
  const plural = (count: number) => `${count} account${count === 1 ? "" : "s"}`
  process.stdout.write(`created ${plural(created.length)}\n`)
  if (existing.length > 0)
    process.stdout.write(
      `${plural(existing.length)} existed already, left unchanged: ${existing.join(" ")}\n`,
    )
  if (created.length === 0) return 0
  // A running server learns the new accounts (it routes messages to them at once).
  try {
    await inRunningServer(config, { version: adminProtocolVersion, command: "accounts-changed" })
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new CliFailure(
      1,
      `the accounts were created, but the running server did not re-read them (${reason}): messages to them bounce until it restarts`,
    )
  }
  return 0
}

/**
 * Carries out `request` in the server running on `config`'s data_dir; undefined when no server
 * runs there (a stale socket is reported on stderr): the caller then works on the storage.
 */
const inRunningServer = async (
  config: ServerConfig,
  request: AdminRequest,
): Promise<AdminResult | undefined> => {
  const path = adminSocketPath(config.server.data_dir)
  const answer = await askServer(path, request)
  if (answer.kind === "stale")
    process.stderr.write(
      `warning: ${path} exists but no server answers on it (a server that did not stop cleanly left it); working on the database directly\n`,
    )
  if (answer.kind !== "answered") return undefined
  if (!answer.response.ok) throw new CliFailure(1, answer.response.error.message)
  return answer.response.result
}

const sessionsEnded = (count: number): string =>
  `the running server ended ${count} session${count === 1 ? "" : "s"}`

const directly = "no server running: changed the database directly"

const listeningLines = (config: ServerConfig, ports: Record<string, number | undefined>) => {
  const { c2s, websocket, component } = config.listen
  const lines: Array<string> = []
  if (c2s !== undefined && ports.c2s !== undefined) {
    lines.push(`  c2s        ${c2s.host}:${ports.c2s} (tls ${c2s.tls})`)
  }
  if (c2s !== undefined && ports.directTls !== undefined) {
    lines.push(`  direct TLS ${c2s.host}:${ports.directTls}`)
  }
  if (websocket !== undefined && ports.websocket !== undefined) {
    lines.push(`  websocket  ws://${websocket.host}:${ports.websocket}${websocket.path}`)
  }
  if (component !== undefined && ports.component !== undefined) {
    lines.push(`  component  ${component.host}:${ports.component}`)
  }
  return lines
}

const start = async (config: ServerConfig): Promise<number> => {
  const faults = config.testing.faults
  if (faults.mam_write || faults.offline_write || faults.socket_write_marker !== "") {
    process.stderr.write(`WARNING: [testing.faults] are switched on: ${JSON.stringify(faults)}\n`)
  }
  // Listen for the signals before anything is printed: whoever reads the banner may signal
  // at once. A signal during startup stops the server as soon as it is up.
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"))
    process.once("SIGTERM", () => resolve("SIGTERM"))
  })
  // Loaded here so that the account commands stay fast and independent of the protocol core.
  const { startServer } = await import("./Server.js")
  const server = await startServer({ config })
  process.stdout.write(
    [
      `xmpp-amp-server is serving ${server.domain}`,
      ...listeningLines(config, server.ports),
      `  data       ${config.server.data_dir}`,
      ...[singleCpuNote(availableParallelism(), process.execArgv, process.env.NODE_OPTIONS)].filter(
        (line) => line !== undefined,
      ),
      "Press Ctrl-C to stop.",
      "",
    ].join("\n"),
  )
  const received = await signal
  process.stdout.write(`${received}: stopping (a second signal forces it)\n`)
  const force = () => {
    process.stderr.write("forced stop\n")
    process.exit(1)
  }
  process.once("SIGINT", force)
  process.once("SIGTERM", force)
  await server.stop()
  process.stdout.write("stopped\n")
  // Exit even if a stray handle lingers; the timer itself does not keep the process alive.
  setTimeout(() => process.exit(0), 2000).unref()
  return 0
}

const run = async (argv: ReadonlyArray<string>): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      "from-file": { type: "string" },
      config: { type: "string", short: "c" },
      help: { type: "boolean", short: "h" },
      logout: { type: "boolean" },
      output: { type: "string", short: "o" },
      input: { type: "string", short: "i" },
    },
    allowPositionals: true,
  })
  const [command, ...rest] = positionals
  const elsewhere = command !== undefined && command !== "help" && command !== "adduser"
  if (values["from-file"] !== undefined && elsewhere)
    throw new CliFailure(2, `--from-file belongs to adduser, not ${command}\n\n${usage}`)
  if (values.help === true || command === undefined || command === "help") {
    process.stdout.write(usage)
    return command === undefined && values.help !== true ? 2 : 0
  }
  if (values.logout === true && command !== "passwd")
    throw new CliFailure(2, `--logout belongs to passwd, not ${command}\n\n${usage}`)
  if (values.output !== undefined && command !== "export")
    throw new CliFailure(2, `--output belongs to export, not ${command}\n\n${usage}`)
  if (values.input !== undefined && command !== "import")
    throw new CliFailure(2, `--input belongs to import, not ${command}\n\n${usage}`)
  switch (command) {
    case "migrate": {
      expectArguments(command, rest, 0)
      process.stdout.write(`${await migrateCommand(configFrom(values.config))}\n`)
      return 0
    }
    case "export": {
      expectArguments(command, rest, 0)
      const summary = await exportCommand(configFrom(values.config), values.output)
      const where = values.output === undefined ? process.stderr : process.stdout
      where.write(`${summary}\n`)
      return 0
    }
    case "import": {
      expectArguments(command, rest, 0)
      process.stdout.write(`${await importCommand(configFrom(values.config), values.input)}\n`)
      return 0
    }
    case "start": {
      expectArguments(command, rest, 0)
      return start(configFrom(values.config))
    }
    case "adduser": {
      const file = values["from-file"]
      if (file !== undefined) return addUsersFrom(file, rest, configFrom(values.config))
      expectArguments(command, rest, 2)
      const config = configFrom(values.config)
      const [jid = "", password = ""] = rest
      const given = passwordFrom(password)
      const request = {
        version: adminProtocolVersion,
        command: "adduser",
        jid,
        password: given,
      } as const
      const done = await inRunningServer(config, request)
      const username =
        done?.username ??
        (await withAccounts(config, (accounts) =>
          addUser(accounts, config.server.domain, jid, given),
        ))
      process.stdout.write(`created ${username}@${config.server.domain}\n`)
      return 0
    }
    case "deluser": {
      expectArguments(command, rest, 1)
      const config = configFrom(values.config)
      const jid = rest[0] ?? ""
      const request = { version: adminProtocolVersion, command: "deluser", jid } as const
      const done = await inRunningServer(config, request)
      const username =
        done?.username ??
        (await withAccounts(config, (accounts) => deleteUser(accounts, config.server.domain, jid)))
      const how = done === undefined ? directly : sessionsEnded(done.sessions_ended)
      process.stdout.write(`deleted ${username}@${config.server.domain} (${how})\n`)
      return 0
    }
    case "passwd": {
      expectArguments(command, rest, 2)
      const config = configFrom(values.config)
      const [jid = "", argument = ""] = rest
      const password = passwordFrom(argument)
      const logout = values.logout === true
      const request: AdminRequest = {
        version: adminProtocolVersion,
        command: "passwd",
        jid,
        password,
        logout,
      }
      const done = await inRunningServer(config, request)
      const username =
        done?.username ??
        (await withAccounts(config, (accounts) =>
          changePassword(accounts, config.server.domain, jid, password),
        ))
      const how =
        done === undefined
          ? directly
          : logout
            ? sessionsEnded(done.sessions_ended)
            : `${done.sessions_open} open session${done.sessions_open === 1 ? " stays" : "s stay"}; new logins need the new password`
      process.stdout.write(`changed the password of ${username}@${config.server.domain} (${how})\n`)
      return 0
    }
    default:
      throw new CliFailure(2, `unknown command "${command}"\n\n${usage}`)
  }
}

/** Maps every expected failure to its exit code and a one-line message. */
const failureOf = (error: unknown): CliFailure => {
  if (error instanceof CliFailure) return error
  if (error instanceof StorageCommandError) return new CliFailure(1, error.message)
  if (error instanceof ConfigError)
    return new CliFailure(2, `configuration error: ${error.message}`)
  if (
    error instanceof AccountError ||
    error instanceof AdminClientError ||
    error instanceof StorageError ||
    error instanceof CertificateError
  ) {
    return new CliFailure(1, error.message)
  }
  if (
    error instanceof TypeError &&
    "code" in error &&
    String(error.code).startsWith("ERR_PARSE_ARGS")
  ) {
    return new CliFailure(2, `${error.message}\n\n${usage}`)
  }
  // The storage could not be opened, or NATS not reached, at start: the message names the
  // database or the NATS URLs and the cause. (Server.js is loaded lazily, so the tag is
  // compared rather than the class.)
  if (
    error instanceof Error &&
    "_tag" in error &&
    error._tag === "StartError" &&
    "reason" in error &&
    (error.reason === "storage" || error.reason === "cluster")
  )
    return new CliFailure(1, error.message)
  // The server's own typed failures (listen, start) carry a tag and a readable message.
  if (error instanceof Error && "_tag" in error)
    return new CliFailure(1, `${String(error._tag)}: ${error.message}`)
  return new CliFailure(1, error instanceof Error ? (error.stack ?? error.message) : String(error))
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    const failure = failureOf(error)
    process.stderr.write(`xmpp-amp-server: ${failure.message}\n`)
    process.exitCode = failure.exitCode
  },
)
