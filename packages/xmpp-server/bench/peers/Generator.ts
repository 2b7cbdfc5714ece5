// Runs the project's load generator (bench/loadGenerator.ts) as its own process pinned to the
// other core than the server, and reads its one JSON line of results.
import { spawn } from "node:child_process"
import { join } from "node:path"
import type { LoadResult } from "../runLoad.js"
import { sourceNodeArguments } from "./OurServer.js"

/** One load shape: how many clients send how many messages at what rate per client. */
export interface LoadShape {
  readonly clients: number
  readonly messagesPerClient: number
  readonly ratePerClient: number
  readonly window: number
  readonly amp: boolean
  /** Seconds to let the server settle before each memory figure (see runLoad.ts); 1 if absent. */
  readonly settleSeconds?: number
}

/** Drives the server at `port` (pid `serverPid`) with `shape` from a process pinned to `core`. */
export const runGenerator = async (
  target: { readonly port: number; readonly pid: number; readonly core: number },
  shape: LoadShape,
  accounts: { readonly prefix: string; readonly password: string },
): Promise<LoadResult> => {
  const generator = spawn(
    "taskset",
    [
      ...["-c", String(target.core), process.execPath, ...sourceNodeArguments],
      join(import.meta.dirname, "..", "loadGenerator.ts"),
      ...["--port", String(target.port), "--server-pid", String(target.pid)],
      ...["--domain", "localhost", "--users-prefix", accounts.prefix],
      ...["--password", accounts.password, "--mechanism", "SCRAM-SHA-1", "--tls", "off"],
      ...["--clients", String(shape.clients), "--messages", String(shape.messagesPerClient)],
      ...["--rate", String(shape.ratePerClient), "--window", String(shape.window)],
      ...["--timeout-seconds", "60"],
      ...["--settle-seconds", String(shape.settleSeconds ?? 1)],
      ...(shape.amp ? ["--amp"] : []),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  )
  let stdout = ""
  let stderr = ""
  generator.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  generator.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  await new Promise((resolve) => generator.once("exit", resolve))
  const line = stdout.trim().split("\n").pop() ?? ""
  if (!line.startsWith("{")) throw new Error(`the load generator failed:\n${stdout}${stderr}`)
  return JSON.parse(line) as LoadResult
}
