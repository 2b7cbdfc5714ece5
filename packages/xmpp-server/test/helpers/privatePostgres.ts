// A private PostgreSQL for one test file (issue 22 item 6, spec/cluster.md "How tests get
// PostgreSQL and NATS"): Debian's `postgresql` binaries, `initdb` into a fresh temporary
// directory, `pg_ctl start` on a free port listening on 127.0.0.1 only and on a Unix socket in
// that directory; `stop()` stops it (immediate shutdown) and removes the directory, and an exit
// hook does the same if the test process ends without calling it. initdb refuses to run as
// root, so as root every PostgreSQL command runs as the unprivileged `postgres` user (or
// `nobody`), which owns the directory.
import { spawnSync } from "node:child_process"
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import pg from "pg"
import { freePort } from "./freePort.js"

/** A running private PostgreSQL. */
export interface PrivatePostgres {
  readonly port: number
  /** The directory that holds the data, the log and the Unix socket. */
  readonly directory: string
  /** A URL for `database` over TCP on 127.0.0.1. */
  url(database: string): string
  /** A URL for `database` over the Unix socket in `directory`. */
  socketUrl(database: string): string
  /** Creates an empty database and answers its TCP URL. */
  createDatabase(name: string): Promise<string>
  /** Stops the server (fast shutdown: open connections are ended), keeping its data. */
  interrupt(): void
  /** Starts it again after `interrupt`, on the same port, with the same data. */
  resume(): void
  /** Stops the server and removes its directory (idempotent). */
  stop(): void
}

const superuser = "xmpp"

/** The directory with initdb and pg_ctl: pg_config's, else the newest /usr/lib/postgresql/N. */
export const postgresBinaries = (): string => {
  const has = (directory: string) =>
    existsSync(join(directory, "initdb")) && existsSync(join(directory, "pg_ctl"))
  const configured = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" })
  const fromConfig = configured.status === 0 ? configured.stdout.trim() : ""
  if (fromConfig !== "" && has(fromConfig)) return fromConfig
  const root = "/usr/lib/postgresql"
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+$/.test(name))
        .sort((left, right) => Number(right) - Number(left))
    : []
  const found = versions.map((version) => join(root, version, "bin")).find(has)
  if (found === undefined)
    throw new Error(
      "PostgreSQL server binaries not found (pg_config --bindir, /usr/lib/postgresql/*/bin): install Debian's postgresql package",
    )
  return found
}

/** As root: the unprivileged account PostgreSQL runs as, with its uid and gid. */
const unprivilegedAccount = (): { name: string; uid: number; gid: number } | undefined => {
  if (process.getuid?.() !== 0) return undefined
  for (const name of ["postgres", "nobody"]) {
    const uid = spawnSync("id", ["-u", name], { encoding: "utf8" })
    const gid = spawnSync("id", ["-g", name], { encoding: "utf8" })
    if (uid.status === 0 && gid.status === 0)
      return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
  }
  throw new Error("running as root, but there is no postgres or nobody user to run PostgreSQL as")
}

/** Whether every directory from `path` up to / lets other users through (o+x). */
const traversableByOthers = (path: string): boolean => {
  for (let current = path; ; current = dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) return false
    if (dirname(current) === current) return true
  }
}

/**
 * Where the temporary directory goes: the system's, unless PostgreSQL's user could not reach
 * it (a root-only TMPDIR) or a Unix socket path in it would pass the ~107-byte limit; then /tmp.
 */
const temporaryBase = (asOtherUser: boolean): string => {
  const base = tmpdir()
  const reachable = !asOtherUser || traversableByOthers(base)
  return reachable && base.length <= 60 ? base : "/tmp"
}

/** How the private server runs. */
export interface PrivatePostgresOptions {
  /**
   * fsync on, as a production server (the storage benchmark, which compares durable commits);
   * tests run with fsync off (faster, and nothing there outlives the machine).
   */
  readonly durable?: boolean
}

/**
 * Starts a private PostgreSQL. Example (one per test file):
 * `let postgres: PrivatePostgres; beforeAll(async () => { postgres = await startPrivatePostgres() }); afterAll(() => postgres?.stop())`.
 */
export const startPrivatePostgres = async (
  settings: PrivatePostgresOptions = {},
): Promise<PrivatePostgres> => {
  const binaries = postgresBinaries()
  const account = unprivilegedAccount()
  const directory = mkdtempSync(join(temporaryBase(account !== undefined), "xmpp-pg-"))
  const data = join(directory, "data")
  const log = join(directory, "server.log")
  if (account !== undefined) chownSync(directory, account.uid, account.gid)
  const run = (program: string, args: ReadonlyArray<string>) => {
    const command = join(binaries, program)
    const [file, argv] =
      account === undefined
        ? [command, [...args]]
        : ["runuser", ["-u", account.name, "--", command, ...args]]
    return spawnSync(file, argv, { cwd: directory, encoding: "utf8", timeout: 120_000 })
  }
  let running = false
  const stop = () => {
    process.off("exit", stop)
    if (running) run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "-t", "60", "stop"])
    running = false
    rmSync(directory, { recursive: true, force: true })
  }
  process.once("exit", stop)
  try {
    const initialised = run("initdb", [
      "-D",
      data,
      "-U",
      superuser,
      "-A",
      "trust",
      "-E",
      "UTF8",
      "--no-locale",
      "--no-sync",
    ])
    if (initialised.status !== 0)
      throw new Error(`initdb failed: ${initialised.stderr || initialised.error?.message}`)
    const startAt = (port: number) => {
      const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${directory} -c fsync=${settings.durable === true ? "on" : "off"} -c max_connections=100`
      return run("pg_ctl", ["-D", data, "-l", log, "-w", "-t", "60", "-o", options, "start"])
    }
    let port = 0
    // A free port may be taken between asking and binding: try a few.
    for (let attempt = 1; attempt <= 3 && !running; attempt++) {
      port = await freePort()
      const started = startAt(port)
      running = started.status === 0
      if (!running && attempt === 3)
        throw new Error(
          `pg_ctl start failed: ${started.stderr}\n${existsSync(log) ? readFileSync(log, "utf8") : ""}`,
        )
    }
    const url = (database: string) => `postgres://${superuser}@127.0.0.1:${port}/${database}`
    return {
      port,
      directory,
      url,
      socketUrl: (database) =>
        `postgres://${superuser}@/${database}?host=${encodeURIComponent(directory)}&port=${port}`,
      createDatabase: async (name) => {
        const client = new pg.Client({ connectionString: url("postgres") })
        await client.connect()
        try {
          await client.query(`CREATE DATABASE "${name.replaceAll('"', "")}"`)
        } finally {
          await client.end()
        }
        return url(name)
      },
      interrupt: () => {
        if (running) run("pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "60", "stop"])
        running = false
      },
      resume: () => {
        if (running) return
        const started = startAt(port)
        running = started.status === 0
        if (!running) throw new Error(`pg_ctl start failed: ${started.stderr}`)
      },
      stop,
    }
  } catch (error) {
    stop()
    throw error
  }
}

/**
 * Whether a process with this pid is running; a zombie (exited, not yet reaped: the daemonised
 * postmaster's parent is init, which may be slow or absent in a container) is not.
 */
export const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z"
  } catch {
    return false
  }
}

/** The postmaster's pid of a running private PostgreSQL (first line of postmaster.pid). */
export const postmasterPid = (postgres: PrivatePostgres): number =>
  Number(readFileSync(join(postgres.directory, "data", "postmaster.pid"), "utf8").split("\n")[0])
