// Runs the server CLI as a child process on a fixed data_dir for the crash tests, so it can
// be killed with SIGKILL and started again on the same files.
import type { ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  createUserRecord,
  databaseFile,
  openSqliteStorage,
  type StorageShape,
} from "../../src/index.js"
import { spawnCli } from "../cli/runCli.js"

/** A started server process and its c2s port. */
export interface CliServer {
  readonly child: ChildProcess
  readonly port: number
  /** Kills it with SIGKILL and resolves once it is gone. */
  kill(): Promise<void>
}

/** A data directory with a config; `start` runs a server on it, `cleanup` kills and removes. */
export interface CrashBed {
  /** The server's data_dir. */
  readonly dataDir: string
  addUsers(names: ReadonlyArray<string>, password: string): void
  /** Runs `work` on the server's database (a second connection; WAL lets it read a live one). */
  withStorage<A>(work: (storage: StorageShape) => A): A
  start(): Promise<CliServer>
  cleanup(): void
}

/** Creates a temporary server directory; `extraToml` is appended to the config. */
export const crashBed = (extraToml: ReadonlyArray<string> = []): CrashBed => {
  const directory = mkdtempSync(join(tmpdir(), "xmpp-amp-crash-"))
  const children: Array<ChildProcess> = []
  const configFile = join(directory, "server.toml")
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
    ].join("\n"),
  )
  return {
    dataDir: join(directory, "data"),
    addUsers: (names, password) => {
      const storage = openSqliteStorage(databaseFile(join(directory, "data")))
      for (const name of names) storage.users.create(createUserRecord(name, password))
      storage.close()
    },
    withStorage: (work) => {
      const storage = openSqliteStorage(databaseFile(join(directory, "data")))
      try {
        return work(storage)
      } finally {
        storage.close()
      }
    },
    start: async () => {
      const child = spawnCli(["start", "--config", configFile], directory)
      children.push(child)
      const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()))
      let stdout = ""
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout?.on("data", (chunk: Buffer) => {
          stdout += chunk.toString()
          const match = /c2s {8}127\.0\.0\.1:(\d+)/.exec(stdout)
          if (match !== null && stdout.includes("Press Ctrl-C")) resolve(Number(match[1]))
        })
        child.on("exit", (code) => reject(new Error(`server exited early with ${code}`)))
      })
      return {
        child,
        port,
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
