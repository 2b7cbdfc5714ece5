// Runs the project's load generator (bench/loadGenerator.ts) as its own process pinned to the
// other core than the server, and reads its one JSON line of results.
import { runGeneratorProcess } from "../generatorProcess.js"
import type { LoadResult } from "../runLoad.js"

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
export const runGenerator = (
  target: { readonly port: number; readonly pid: number; readonly core: number },
  shape: LoadShape,
  accounts: { readonly prefix: string; readonly password: string },
): Promise<LoadResult> =>
  runGeneratorProcess({
    protocol: "xmpp",
    port: target.port,
    serverPid: target.pid,
    core: target.core,
    usersPrefix: accounts.prefix,
    password: accounts.password,
    mechanism: "SCRAM-SHA-1",
    tls: "off",
    clients: shape.clients,
    messagesPerClient: shape.messagesPerClient,
    ratePerClient: shape.ratePerClient,
    window: shape.window,
    timeoutSeconds: 60,
    settleSeconds: shape.settleSeconds ?? 1,
    // `--amp` alone was the generator's `notify` rule.
    amp: shape.amp ? "notify" : undefined,
  })
