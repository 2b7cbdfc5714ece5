// `adduser --from-file` timed for the `--storage` bench (issue 22 item 7): the CLI (built or from
// sources, as the servers run) creates N accounts in an empty database of one backend; the wall
// time from spawn to exit is the figure, and the database is then counted, so a CLI that wrote
// its accounts anywhere else (e.g. into SQLite while the config says PostgreSQL) is an error.
import { spawn } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { cliEnvironment, cliScript, configText } from "./benchServer.js"
import type { BenchDatabases } from "./storageDatabases.js"

/** Writes the accounts file: `${prefix}-add-1@domain PASSWORD` … one a line. */
export const writeAccountsFile = (
  file: string,
  prefix: string,
  count: number,
  domain: string,
  password: string,
): void =>
  writeFileSync(
    file,
    `${Array.from({ length: count }, (_, index) => `${prefix}-add-${index + 1}@${domain} ${password}`).join("\n")}\n`,
  )

/** How one timing runs. */
export interface AdduserTiming {
  readonly databases: BenchDatabases
  /** A fresh directory for the config and data_dir. */
  readonly directory: string
  readonly accountsFile: string
  readonly accounts: number
  readonly code: "sources" | "built"
  /** Give up after this long. */
  readonly timeoutMilliseconds: number
}

/** Runs `adduser --from-file` once; answers its wall time in seconds or throws with its output. */
export const timeAdduser = async (timing: AdduserTiming): Promise<number> => {
  mkdirSync(timing.directory, { recursive: true })
  const storage = await timing.databases.empty(timing.directory)
  const configFile = join(timing.directory, "server.toml")
  writeFileSync(configFile, configText({ archive: false, ampModule: true, storage }))
  const started = performance.now()
  const child = spawn(
    process.execPath,
    [
      ...cliScript(timing.code),
      ...["adduser", "--from-file", timing.accountsFile, "--config", configFile],
    ],
    { cwd: timing.directory, env: cliEnvironment(), stdio: ["ignore", "pipe", "pipe"] },
  )
  let output = ""
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString()
  })
  const timer = setTimeout(() => child.kill("SIGKILL"), timing.timeoutMilliseconds)
  const exitCode = await new Promise<number | null>((resolve) => child.once("exit", resolve))
  const seconds = (performance.now() - started) / 1000
  clearTimeout(timer)
  const where = `adduser --from-file on ${timing.databases.label}`
  if (exitCode !== 0) throw new Error(`${where} exited with ${exitCode}:\n${output}`)
  const counted = await timing.databases.countAccounts(timing.directory, storage)
  if (counted !== timing.accounts)
    throw new Error(
      `${where} said "${output.trim()}" but the database holds ${counted} of ${timing.accounts} accounts (does the CLI use the configured [storage]?)`,
    )
  return seconds
}
