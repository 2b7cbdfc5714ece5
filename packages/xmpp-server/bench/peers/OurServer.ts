// Our server as users run it (the built CLI, `dist/cli.js`, which the `xmpp-amp-server` bin
// runs; `npm run bench:peers` builds first) for the peer comparison: accounts written straight
// into its database before it starts, with the mutual roster subscriptions AMP's presence check
// needs (XEP-0079 §9), MAM and the [limits] connection rate off like the peers, and optionally
// a V8 CPU profile (`--cpu-prof`) written when it stops.

import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { createUserRecord } from "../../src/auth/credentials.js"
import { databaseFile, openSqliteStorage } from "../../src/storage/SqliteStorage.js"
import { freePort, type RunningServer, startServer } from "./ServerProcess.js"

const packageRoot = join(import.meta.dirname, "..", "..")

/**
 * Creates `${prefix}1` … `${prefix}count` in the database under `dataDir`; the first
 * `ringSize` are each subscribed both ways to the next in their ring (the generator's message
 * pattern).
 */
export const provisionOurUsers = (
  dataDir: string,
  prefix: string,
  count: number,
  password: string,
  ringSize: number = count,
): void => {
  const storage = openSqliteStorage(databaseFile(dataDir))
  const friend = (contact: number) => ({
    jid: `${prefix}${contact}@localhost`,
    name: undefined,
    subscription: "both" as const,
    ask_out: false,
    pending_in: undefined,
    groups: [],
  })
  storage.transaction(() => {
    for (let index = 1; index <= count; index++) {
      storage.users.create(createUserRecord(`${prefix}${index}`, password))
    }
    for (let index = 1; index <= ringSize; index++) {
      const next = (index % ringSize) + 1
      storage.roster.put(`${prefix}${index}`, friend(next))
      storage.roster.put(`${prefix}${next}`, friend(index))
    }
  })
  storage.close()
}

/** Starts our server on a database under `directory` (already provisioned), pinned to `core`. */
export const startOurServer = async (
  directory: string,
  core: number,
  options: {
    readonly name: string
    readonly cpuProfileDirectory?: string
    /** Node and V8 options for the server process (experiments: `--our-node-options`). */
    readonly nodeOptions?: ReadonlyArray<string>
  },
): Promise<RunningServer> => {
  const port = await freePort()
  const configFile = join(directory, "server.toml")
  writeFileSync(
    configFile,
    [
      "[server]",
      'data_dir = "data"',
      "[listen.c2s]",
      'host = "127.0.0.1"',
      `port = ${port}`,
      'tls = "optional"',
      "[listen.websocket]",
      "enabled = false",
      "[listen.component]",
      "enabled = false",
      "[modules.mam]",
      "enabled = false",
      "[limits]",
      "connections_per_ip = 0",
      "",
    ].join("\n"),
  )
  const profiling =
    options.cpuProfileDirectory === undefined
      ? []
      : ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDirectory}`]
  return startServer(
    {
      name: options.name,
      command: process.execPath,
      args: [
        ...(options.nodeOptions ?? []),
        ...profiling,
        join(packageRoot, "dist", "cli.js"),
        "start",
        "--config",
        configFile,
      ],
      cwd: directory,
      core,
    },
    port,
  )
}
