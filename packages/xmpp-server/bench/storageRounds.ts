// `npm run bench -- --storage` (issue 22 item 7): SQLite against PostgreSQL, as ratios measured
// in one run. A private PostgreSQL is started for the bench (test/helpers/privatePostgres.ts),
// both backends are provisioned by the same code through the repositories, and three loads run
// on each backend, each load on its own server process (six in all, pinned like `--amp`):
//   routing   MAM off, online ring: no storage traffic per message
//   offline   each client sends `--offline-messages` to an account that never logs in, with
//             `deliver=stored notify`: the notify goes out once the offline store is committed,
//             so its latency is the store's (bench/loadGenerator.ts `--offline-recipients`)
//   MAM       the archive on: both copies of every message archived
// Each server is warmed up once, then `--rounds` interleaved rounds run every load on both
// backends (the load order rotated by one each round, the backend order alternating), and in
// each round `adduser --from-file` creates `--adduser-accounts` accounts in an empty database of
// each backend (bench/adduserTiming.ts). Printed: a table per backend (median round with the
// lowest and highest) and PostgreSQL ÷ SQLite of the same round, likewise. Everything it
// started (servers, PostgreSQL) is stopped on the way out, on failure and on SIGINT/SIGTERM too.
import { existsSync, mkdirSync, rmSync } from "node:fs"
import { loadavg } from "node:os"
import { join } from "node:path"
import { databaseFile } from "../src/storage/SqliteStorage.js"
import { timeAdduser, writeAccountsFile } from "./adduserTiming.js"
import { type BenchServer, type BenchStorage, startBenchServer } from "./benchServer.js"
import { type GeneratorLoad, runGeneratorProcess } from "./generatorProcess.js"
import type { LoadResult } from "./runLoad.js"
import { type BenchDatabases, postgresDatabases, sqliteDatabases } from "./storageDatabases.js"
import { formatStorageTables, type StorageFigures } from "./storageTables.js"
import type { AmpBenchRule } from "./xmppClient.js"

/** One of the three message loads. */
export interface StorageLoad {
  readonly key: "routing" | "offline" | "mam"
  readonly name: string
  readonly archive: boolean
  readonly amp?: AmpBenchRule | undefined
  readonly offlineRecipients?: boolean | undefined
}

/** The three loads, in the tables' order. */
export const STORAGE_LOADS: ReadonlyArray<StorageLoad> = [
  { key: "routing", name: "routing, MAM off", archive: false },
  {
    key: "offline",
    name: "offline store (notify)",
    archive: false,
    amp: "stored",
    offlineRecipients: true,
  },
  { key: "mam", name: "MAM on (2 copies)", archive: true },
]

/** The settings of a `--storage` run. */
export interface StorageRoundsOptions {
  /** A fresh directory for databases, configs and data directories. */
  readonly directory: string
  readonly rounds: number
  readonly warmupMessages: number
  /** The load every run offers; the rest is set per run. */
  readonly load: Omit<
    GeneratorLoad,
    "amp" | "port" | "serverPid" | "protocol" | "offlineRecipients" | "databasePid"
  >
  readonly adduserAccounts: number
  /**
   * Messages per client of the offline load (fewer than the others': each is a durable store,
   * which today commits one by one; the same on both backends).
   */
  readonly offlineMessagesPerClient: number
  /** The backends to run (both for the ratios; SQLite alone to check the bench itself). */
  readonly backends: ReadonlyArray<BenchStorage["backend"]>
  readonly serverCore?: number | undefined
  readonly code: "sources" | "built"
  readonly serverNodeArguments: ReadonlyArray<string>
  readonly logFile?: string | undefined
}

/** The offline load's messages pile up round after round: no quota may bounce them. */
const noOfflineQuota = [
  "[modules.offline]",
  "max_messages_per_user = 1000000",
  "max_bytes_per_user = 0",
]

const domain = "localhost"

/** One server per backend and load. */
interface Target {
  readonly databases: BenchDatabases
  readonly load: StorageLoad
  readonly server: BenchServer
}

const figuresKey = (backend: string, load: string) => `${backend}/${load}`

/** Starts the servers of one backend, one per load, each on its own copy of the database. */
const startServers = async (
  databases: BenchDatabases,
  options: StorageRoundsOptions,
  started: Array<BenchServer>,
): Promise<Array<Target>> => {
  const targets: Array<Target> = []
  for (const load of STORAGE_LOADS) {
    const name = `${databases.backend}-${load.key}`
    const directory = join(options.directory, name)
    mkdirSync(directory, { recursive: true })
    const storage = await databases.provisioned(directory)
    const server = await startBenchServer({
      directory,
      name,
      archive: load.archive,
      ampModule: true,
      code: options.code,
      core: options.serverCore,
      nodeArguments: options.serverNodeArguments,
      logFile: options.logFile,
      storage,
      extraConfig: noOfflineQuota,
    })
    started.push(server)
    if (databases.backend === "postgres" && existsSync(databaseFile(join(directory, "data"))))
      throw new Error(
        `the ${name} server made a SQLite database in its data_dir although its config says [storage] backend = "postgres": this server does not run on PostgreSQL yet`,
      )
    targets.push({ databases, load, server })
  }
  return targets
}

/** Kills what runs and stops PostgreSQL when the bench is interrupted, then exits. */
const onInterrupt = (
  started: ReadonlyArray<BenchServer>,
  backends: ReadonlyArray<BenchDatabases>,
  directory: string,
) => {
  const handler = (signal: NodeJS.Signals) => {
    process.stderr.write(`${signal}: stopping the servers and PostgreSQL\n`)
    for (const server of started) {
      try {
        process.kill(server.pid, "SIGKILL")
      } catch {
        // Already gone.
      }
    }
    for (const databases of backends) void databases.close()
    rmSync(directory, { recursive: true, force: true })
    process.exit(130)
  }
  process.once("SIGINT", handler)
  process.once("SIGTERM", handler)
  return () => {
    process.off("SIGINT", handler)
    process.off("SIGTERM", handler)
  }
}

/** Runs the rounds and prints the tables; returns every run's generator result. */
export const runStorageRounds = async (
  options: StorageRoundsOptions,
): Promise<ReadonlyArray<LoadResult>> => {
  const accounts = {
    prefix: options.load.usersPrefix,
    count: options.load.clients,
    password: options.load.password,
    domain,
  }
  const started: Array<BenchServer> = []
  const backends: Array<BenchDatabases> = []
  const results: Array<LoadResult> = []
  const figures = new Map<string, Array<StorageFigures>>()
  const adduserSeconds = new Map<string, Array<number>>()
  const loadBefore = loadavg()[0] ?? Number.NaN
  const stopListening = onInterrupt(started, backends, options.directory)
  try {
    if (options.backends.includes("sqlite")) {
      process.stderr.write("provisioning SQLite\n")
      backends.push(await sqliteDatabases(options.directory, accounts))
    }
    if (options.backends.includes("postgres")) {
      process.stderr.write("starting a private PostgreSQL and provisioning it\n")
      backends.push(await postgresDatabases(accounts))
    }
    const targets: Array<Target> = []
    for (const databases of backends)
      targets.push(...(await startServers(databases, options, started)))
    const accountsFile = join(options.directory, "accounts.txt")
    writeAccountsFile(
      accountsFile,
      options.load.usersPrefix,
      options.adduserAccounts,
      domain,
      options.load.password,
    )
    const run = async (target: Target, messagesPerClient: number) => {
      const result = await runGeneratorProcess({
        ...options.load,
        messagesPerClient,
        protocol: "xmpp",
        port: target.server.port,
        serverPid: target.server.pid,
        amp: target.load.amp,
        offlineRecipients: target.load.offlineRecipients,
        databasePid: target.databases.databasePid,
        signalServer: true,
        settleSeconds: 0,
      })
      results.push(result)
      const meter = await target.server.lastWindow()
      const messages = Math.max(1, result.messagesDelivered)
      const serverCpu = meter.cpuMicroseconds / messages
      // ms per 1000 messages is µs per message; SQLite has no process of its own.
      const databaseCpu =
        target.databases.databasePid === undefined
          ? 0
          : result.databaseCpuMillisecondsPer1000Messages
      return {
        deliveredPerSecond: result.deliveredPerSecond,
        serverCpuMicrosecondsPerMessage: serverCpu,
        totalCpuMicrosecondsPerMessage: serverCpu + databaseCpu,
        p50: result.latencyP50Milliseconds,
        p99: result.latencyP99Milliseconds,
      } satisfies StorageFigures
    }
    for (const target of targets) {
      process.stderr.write(`warm-up: ${target.databases.label}, ${target.load.name}\n`)
      await run(target, options.warmupMessages)
    }
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? backends : [...backends].reverse()
      for (let step = 0; step < STORAGE_LOADS.length; step++) {
        const load = STORAGE_LOADS[(round + step) % STORAGE_LOADS.length]
        for (const databases of order) {
          const target = targets.find((t) => t.load === load && t.databases === databases)
          if (target === undefined) continue
          process.stderr.write(
            `round ${round + 1}/${options.rounds}: ${databases.label}, ${target.load.name}\n`,
          )
          const key = figuresKey(databases.backend, target.load.key)
          const measured = await run(
            target,
            load?.key === "offline"
              ? options.offlineMessagesPerClient
              : options.load.messagesPerClient,
          )
          figures.set(key, [...(figures.get(key) ?? []), measured])
        }
      }
      for (const databases of order) {
        process.stderr.write(
          `round ${round + 1}/${options.rounds}: ${databases.label}, adduser --from-file\n`,
        )
        const directory = join(options.directory, `adduser-${databases.backend}-${round + 1}`)
        const seconds = await timeAdduser({
          databases,
          directory,
          accountsFile,
          accounts: options.adduserAccounts,
          code: options.code,
          timeoutMilliseconds: 300_000,
        })
        rmSync(directory, { recursive: true, force: true })
        adduserSeconds.set(databases.backend, [
          ...(adduserSeconds.get(databases.backend) ?? []),
          seconds,
        ])
      }
    }
  } finally {
    await Promise.all(started.map((server) => server.stop()))
    for (const databases of backends) await databases.close()
    stopListening()
  }
  process.stdout.write(
    formatStorageTables({
      loads: STORAGE_LOADS,
      backends: options.backends,
      figuresOf: (backend, load) => figures.get(figuresKey(backend, load)) ?? [],
      adduserSecondsOf: (backend) => adduserSeconds.get(backend) ?? [],
      adduserAccounts: options.adduserAccounts,
      rounds: options.rounds,
      loadBefore,
      loadAfter: loadavg()[0] ?? Number.NaN,
    }),
  )
  return results
}
