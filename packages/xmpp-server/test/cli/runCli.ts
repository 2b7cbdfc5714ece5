// Runs the CLI from source in a child process (as `npx xmpp-amp-server` would, minus the
// build), from any working directory, and collects its output and exit code. Under Vitest it
// runs the bundle its global setup made of the current sources (test/helpers/cliBundle.ts);
// elsewhere through tsx.
import { type ChildProcess, spawn } from "node:child_process"
import { createRequire } from "node:module"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { inject } from "vitest"

const cliSource = join(import.meta.dirname, "..", "..", "src", "cli.ts")
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href

/** What a finished CLI run printed and returned. */
export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Starts the CLI with `args` in `cwd` (environment: `env`, else this process's); the caller owns the process. */
export const spawnCli = (
  args: ReadonlyArray<string>,
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): ChildProcess => {
  const bundle = inject("cliBundle") ?? ""
  const entry =
    bundle === "" ? ["--conditions=@xmpp-amp/source", "--import", tsxLoader, cliSource] : [bundle]
  return spawn(process.execPath, [...entry, ...args], {
    cwd,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  })
}

/** Runs the CLI to completion, writing `stdin` (if any) to it. */
export const runCli = (
  args: ReadonlyArray<string>,
  cwd: string,
  stdin?: string,
): Promise<CliResult> =>
  new Promise((resolve, reject) => {
    const child = spawnCli(args, cwd)
    let stdout = ""
    let stderr = ""
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
    child.stdin?.end(stdin ?? "")
  })
