// Runs the server CLI as a child process on a fixed data_dir for the crash tests, so it can
// be killed with SIGKILL and started again on the same files.
import type { ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createUserRecord, makeConfig, silentLogger } from "../../src/index.js"
import { openConfiguredBackend } from "../../src/storage/openBackend.js"
import { failed } from "../../src/storage/repositories/Outcome.js"
import type { StorageBackend } from "../../src/storage/repositories/StorageBackend.js"
import { spawnCli } from "../cli/runCli.js"
import { testStorageConfig, testStorageToml } from "../helpers/testStorage.js"

/** A started server process and its c2s port. */
export interface CliServer {
  readonly child: ChildProcess
  readonly port: number
  /** What it wrote to stderr until it was listening. */
  readonly earlyStderr: string
  /** Kills it with SIGKILL and resolves once it is gone. */
  kill(): Promise<void>
}

/** A data directory with a config; `start` runs a server on it, `cleanup` kills and removes. */
export interface CrashBed {
  /** The server's data_dir. */
  readonly dataDir: string
  /** Creates the accounts in the server's database (either backend). */
  addUsers(names: ReadonlyArray<string>, password: string): Promise<void>
  /**
   * Runs `work` on the server's database, opened a second time (on SQLite WAL lets it read a
   * live one), closed afterwards. Example: `await bed.withBackend((backend) => backend.roster.list("juliet"))`.
   */
  withBackend<A>(work: (backend: StorageBackend) => Promise<A>): Promise<A>
  start(): Promise<CliServer>
  cleanup(): void
}

/** Creates a temporary server directory; `extraToml` is appended to the config. */
export const crashBed = (extraToml: ReadonlyArray<string> = []): CrashBed => {
  const directory = mkdtempSync(join(tmpdir(), "xmpp-amp-crash-"))
  const children: Array<ChildProcess> = []
  const configFile = join(directory, "server.toml")
  const dataDir = join(directory, "data")
  // Written at the first start: on PostgreSQL it names this bed's database (test/helpers/testStorage.ts).
  let configWritten: Promise<void> | undefined
  const writeConfig = async () =>
    writeFileSync(
      configFile,
      [
        "[server]",
        'data_dir = "data"',
        "[listen.c2s]",
        "port = 0",
        'tls = "optional"',
        "allow_plain_without_tls = true",
        "[listen.websocket]",
        "enabled = false",
        ...extraToml,
        await testStorageToml(dataDir),
      ].join("\n"),
    )
  const withBackend = async <A>(work: (backend: StorageBackend) => Promise<A>): Promise<A> => {
    const config = makeConfig({
      server: { data_dir: dataDir },
      ...(await testStorageConfig(dataDir)),
    })
    const backend = await openConfiguredBackend(config, silentLogger)
    if (failed(backend)) throw backend
    try {
      return await work(backend)
    } finally {
      await backend.close()
    }
  }
  return {
    dataDir,
    addUsers: (names, password) =>
      withBackend(async (backend) => {
        for (const name of names) {
          const created = await backend.accounts.create(createUserRecord(name, password))
          if (failed(created)) throw created
        }
      }),
    withBackend,
    start: async () => {
      // The environment as it is at the call (a caller may set NODE_OPTIONS around it).
      const env = { ...process.env }
      configWritten ??= writeConfig()
      await configWritten
      const child = spawnCli(["start", "--config", configFile], directory, env)
      children.push(child)
      // What the server wrote to stderr before `start` resolved (the early failure's reason,
      // the inspector's URL); later output goes to the listeners the caller adds.
      let stderr = ""
      const early = (chunk: Buffer) => {
        stderr += chunk.toString()
      }
      child.stderr?.on("data", early)
      const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()))
      let stdout = ""
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout?.on("data", (chunk: Buffer) => {
          stdout += chunk.toString()
          const match = /c2s {8}127\.0\.0\.1:(\d+)/.exec(stdout)
          if (match !== null && stdout.includes("Press Ctrl-C")) resolve(Number(match[1]))
        })
        child.on("exit", (code) =>
          reject(new Error(`server exited early with ${code}: ${stderr.slice(-2000)}`)),
        )
      })
      child.stderr?.off("data", early)
      return {
        child,
        port,
        earlyStderr: stderr,
        kill: async () => {
          child.kill("SIGKILL")
          await exited
        },
      }
    },
    cleanup: () => {
      for (const child of children) child.kill("SIGKILL")
      rmSync(directory, { recursive: true, force: true })
    },
  }
}
