// Our server as `npm run bench` starts it: from its TypeScript sources (through tsx) or its
// built CLI (`dist/cli.js`), optionally pinned to one core (`taskset -c`), with
// bench/heapMeter.mjs loaded so each load window's V8 heap allocation and CPU time can be read
// from the server itself (the generator marks the window with SIGUSR2). On SQLite (the
// default) or, with `storage`, on a PostgreSQL database (`[storage] backend = "postgres"`).
import { type ChildProcess, spawn } from "node:child_process"
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { pathToFileURL } from "node:url"

const packageRoot = join(import.meta.dirname, "..")
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href
const heapMeter = pathToFileURL(join(import.meta.dirname, "heapMeter.mjs")).href

/** What the server measured of itself in one load window (bench/heapMeter.mjs). */
export interface MeterWindow {
  readonly allocatedBytes: number
  readonly cpuMicroseconds: number
  readonly collections: number
  readonly markCompacts: number
  readonly gcMilliseconds: number
}

/** How to run the server. */
export interface BenchServerOptions {
  /** Directory holding the provisioned `data` directory; the config and meter file go here. */
  readonly directory: string
  /** A name for the config file and logs. */
  readonly name: string
  readonly archive: boolean
  readonly ampModule: boolean
  /** `sources` runs src/cli.ts through tsx; `built` runs dist/cli.js as users do. */
  readonly code: "sources" | "built"
  /** Another build's `dist/cli.js` to run instead (`--cluster-base-cli`): a before/after pair. */
  readonly cli?: string | undefined
  /** Pin to this core (or taskset's list of cores, e.g. "0,1"), if given. */
  readonly core?: number | string | undefined
  /** V8 and Node flags for the server only. */
  readonly nodeArguments: ReadonlyArray<string>
  /** Append the server's output here, if given. */
  readonly logFile?: string | undefined
  /** More `[server]` keys, e.g. `max_roster_items = 5001`. */
  readonly serverKeys?: ReadonlyArray<string> | undefined
  /** Where the data lives: SQLite in data_dir (no `[storage]` section) unless a PostgreSQL URL. */
  readonly storage?: BenchStorage | undefined
  /** More tables at the end of the config, e.g. `["[modules.offline]", "max_bytes_per_user = 0"]`. */
  readonly extraConfig?: ReadonlyArray<string> | undefined
}

/** The backend a bench server runs on. */
export type BenchStorage =
  | { readonly backend: "sqlite" }
  | { readonly backend: "postgres"; readonly url: string }

/** A started server. */
export interface BenchServer {
  readonly pid: number
  readonly port: number
  /** The meter's record of the last window the generator marked (waits for it to be written). */
  readonly lastWindow: () => Promise<MeterWindow>
  readonly stop: () => Promise<void>
}

const stopChild = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  child.kill("SIGTERM")
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000)
  await exited
  clearTimeout(timer)
}

/** The `[storage]` table: none for SQLite (the default, so older servers read it too). */
const storageLines = (storage: BenchStorage | undefined): ReadonlyArray<string> =>
  storage?.backend === "postgres"
    ? ["[storage]", 'backend = "postgres"', `url = ${JSON.stringify(storage.url)}`]
    : []

/** The server's config file (the `--storage` mode's `adduser` reads it too). */
export const configText = (
  options: Pick<
    BenchServerOptions,
    "archive" | "ampModule" | "serverKeys" | "storage" | "extraConfig"
  >,
): string =>
  [
    "[server]",
    'data_dir = "data"',
    ...(options.serverKeys ?? []),
    "[listen.c2s]",
    'host = "127.0.0.1"',
    "port = 0",
    'tls = "optional"',
    // Loopback only: `--mechanism PLAIN --tls off` measures PLAIN without TLS.
    "allow_plain_without_tls = true",
    "[listen.websocket]",
    "enabled = false",
    "[listen.component]",
    "enabled = false",
    "[modules.mam]",
    `enabled = ${options.archive}`,
    "[modules.amp]",
    `enabled = ${options.ampModule}`,
    "[limits]",
    "connections_per_ip = 0",
    ...storageLines(options.storage),
    ...(options.extraConfig ?? []),
    "",
  ].join("\n")

/** How to run the CLI: `node` arguments before its command (`start`, `adduser`, …). */
export const cliScript = (code: "sources" | "built"): ReadonlyArray<string> => {
  const builtCli = join(packageRoot, "dist", "cli.js")
  if (code === "built" && !existsSync(builtCli))
    throw new Error(`${builtCli} is missing: run \`npm run build\` first (or use --code sources)`)
  return code === "built"
    ? [builtCli]
    : ["--conditions=@xmpp-amp/source", "--import", tsxLoader, join(packageRoot, "src", "cli.ts")]
}

/** The environment for the CLI: the config file alone says where the data is. */
export const cliEnvironment = (): NodeJS.ProcessEnv => {
  const { XMPP_AMP_DATABASE_URL: _ignored, ...environment } = process.env
  return environment
}

/** Starts the server and resolves once its c2s listener has printed its port. */
export const startBenchServer = async (options: BenchServerOptions): Promise<BenchServer> => {
  const configFile = join(options.directory, `server-${options.name}.toml`)
  const meterFile = join(options.directory, `meter-${options.name}.jsonl`)
  writeFileSync(configFile, configText(options))
  writeFileSync(meterFile, "")
  const script = options.cli === undefined ? cliScript(options.code) : [options.cli]
  const nodeCommand = [
    process.execPath,
    ...options.nodeArguments,
    "--import",
    heapMeter,
    ...script,
    ...["start", "--config", configFile],
  ]
  const [command = process.execPath, ...args] =
    options.core === undefined
      ? nodeCommand
      : ["taskset", "-c", String(options.core), ...nodeCommand]
  const child = spawn(command, args, {
    cwd: options.directory,
    env: { ...cliEnvironment(), BENCH_HEAP_METER_FILE: meterFile },
    stdio: ["ignore", "pipe", "pipe"],
  })
  let output = ""
  const collect = (chunk: Buffer) => {
    output += chunk.toString()
    if (options.logFile !== undefined) appendFileSync(options.logFile, chunk)
  }
  child.stdout?.on("data", collect)
  child.stderr?.on("data", collect)
  if (options.logFile !== undefined) appendFileSync(options.logFile, `--- ${options.name}\n`)
  const port = await new Promise<number>((resolve, reject) => {
    const onData = () => {
      const match = /c2s +127\.0\.0\.1:(\d+)/.exec(output)
      if (match !== null) resolve(Number(match[1]))
    }
    child.stdout?.on("data", onData)
    child.once("exit", (code) =>
      reject(new Error(`server ${options.name} exited with ${code} before ready:\n${output}`)),
    )
  })
  let windowsRead = 0
  const lastWindow = async (): Promise<MeterWindow> => {
    for (let attempt = 0; attempt < 600; attempt++) {
      const lines = readFileSync(meterFile, "utf8").trim().split("\n").filter(Boolean)
      if (lines.length > windowsRead) {
        windowsRead = lines.length
        return JSON.parse(lines[lines.length - 1] ?? "{}") as MeterWindow
      }
      await sleep(50)
    }
    throw new Error(
      `server ${options.name} wrote no heap meter record into ${meterFile} within 30 s`,
    )
  }
  return { pid: child.pid ?? 0, port, lastWindow, stop: () => stopChild(child) }
}
