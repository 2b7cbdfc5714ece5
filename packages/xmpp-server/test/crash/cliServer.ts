// Runs the server CLI as a child process on a fixed data_dir for the crash tests, so it can
// be killed with SIGKILL and started again on the same files. The cluster bed
// (test/helpers/clusterBed.ts) runs one per node, with fixed ports and one shared database.
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

/** `start` failed: the server exited before it listened (its exit code and whole stderr). */
export class ServerExitedEarly extends Error {
  constructor(
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`server exited early with ${code}: ${stderr.slice(-2000)}`)
  }
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

/** How a bed's server listens and stores, beyond the defaults. */
export interface CrashBedOptions {
  /**
   * Fixed listen ports (a restart keeps them): c2s (default 0, any free one), websocket (default
   * off; given, it trusts a proxy on 127.0.0.1 as the test clients' upgrade says) and component
   * (listens only when `[[components]]` are configured).
   */
  readonly ports?: {
    readonly c2s: number
    readonly websocket?: number
    readonly component?: number
  }
  /** A PostgreSQL database to store in (several beds may share one); default: the test backend's. */
  readonly databaseUrl?: string
  /** Lines added to the `[server]` table, e.g. `shutdown_grace_seconds = 1`. */
  readonly serverToml?: ReadonlyArray<string>
}

/** Creates a temporary server directory; `extraToml` is appended to the config. */
export const crashBed = (
  extraToml: ReadonlyArray<string> = [],
  options: CrashBedOptions = {},
): CrashBed => {
  const directory = mkdtempSync(join(tmpdir(), "xmpp-amp-crash-"))
  const children: Array<ChildProcess> = []
  const configFile = join(directory, "server.toml")
  const dataDir = join(directory, "data")
  const { ports, databaseUrl } = options
  const storageConfig = async () =>
    databaseUrl === undefined
      ? testStorageConfig(dataDir)
      : { storage: { backend: "postgres" as const, url: databaseUrl } }
  const storageToml = async () =>
    databaseUrl === undefined
      ? testStorageToml(dataDir)
      : `\n[storage]\nbackend = "postgres"\nurl = ${JSON.stringify(databaseUrl)}\n`
  // Written at the first start: on PostgreSQL it names this bed's database (test/helpers/testStorage.ts).
  let configWritten: Promise<void> | undefined
  const writeConfig = async () =>
    writeFileSync(
      configFile,
      [
        "[server]",
        'data_dir = "data"',
        ...(options.serverToml ?? []),
        "[listen.c2s]",
        `port = ${ports?.c2s ?? 0}`,
        'tls = "optional"',
        "allow_plain_without_tls = true",
        "[listen.websocket]",
        ...(ports?.websocket === undefined
          ? ["enabled = false"]
          : [`port = ${ports.websocket}`, 'trusted_proxies = ["127.0.0.1"]']),
        ...(ports?.component === undefined
          ? []
          : ["[listen.component]", `port = ${ports.component}`]),
        ...extraToml,
        await storageToml(),
      ].join("\n"),
    )
  const withBackend = async <A>(work: (backend: StorageBackend) => Promise<A>): Promise<A> => {
    const config = makeConfig({
      server: { data_dir: dataDir },
      ...(await storageConfig()),
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
        // "close": stderr is read to its end, so the reason is in it.
        child.on("close", (code) => reject(new ServerExitedEarly(code, stderr)))
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
