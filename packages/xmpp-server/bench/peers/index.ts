// `npm run bench:peers` (issue 10 items 1–2): our server against Prosody and ejabberd in one
// run. Installs the two from Debian when missing, configures each on loopback in a temporary
// directory with the same accounts, pins each server to core 0 and the load generator to
// core 1, and measures two load shapes per server: saturation (offered load far above what a
// server can do, a bounded window in flight), each server alone on a fresh process, and a fixed
// total rate (latency), in rounds that take turns between all servers running at once. Our server runs
// with AMP off and with a `deliver=direct notify` rule on every message (XEP-0079); MAM is off
// for all three. Then our server runs the saturation load once more under `--cpu-prof`, and
// the top self-time functions are printed. Prints one table with our ratios to both peers.
//   npm run bench:peers -- --clients 200 --saturation-messages 100 --fixed-rate 2000 --fixed-seconds 5
import { readdirSync, readFileSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { cpus, tmpdir } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { parseArgs } from "node:util"
import type { LoadResult } from "../runLoad.js"
import { type CpuProfile, summariseProfile } from "./CpuProfile.js"
import { ensureInstalled } from "./DebianPackages.js"
import { startEjabberd } from "./Ejabberd.js"
import { type LoadShape, runGenerator } from "./Generator.js"
import { provisionOurUsers, startOurServer } from "./OurServer.js"
import { formatLatencyRounds, formatPeerTable, type PeerColumn } from "./PeerTable.js"
import { startProsody } from "./Prosody.js"
import { registerAccounts } from "./register.js"
import type { RunningServer } from "./ServerProcess.js"

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "200" },
    "idle-sessions": { type: "string", default: "3000" },
    "memory-settle-seconds": { type: "string", default: "60" },
    "our-node-options": { type: "string", default: "" },
    "saturation-messages": { type: "string", default: "100" },
    "saturation-window": { type: "string", default: "10" },
    "fixed-rate": { type: "string", default: "2000" },
    "fixed-seconds": { type: "string", default: "5" },
    profile: { type: "boolean", default: true },
    "profile-messages": { type: "string", default: "200" },
    "warmup-messages": { type: "string", default: "20" },
    repeats: { type: "string", default: "3" },
    "latency-rounds": { type: "string", default: "5" },
  },
  allowNegative: true,
})

const serverCore = 0
const generatorCore = 1
const accounts = { prefix: "bench", password: "bench-password" }
const clients = Number(values.clients)
const idleSessions = Number(values["idle-sessions"])
const accountCount = Math.max(clients, idleSessions)
const fixedRatePerClient = Number(values["fixed-rate"]) / clients
const log = (line: string) => process.stderr.write(`${line}\n`)
/** Node/V8 options for our server (experiments, e.g. `--our-node-options=--single-threaded-gc`). */
const ourNodeOptions = values["our-node-options"].split(" ").filter((option) => option !== "")

const saturation = (amp: boolean, messagesPerClient: number): LoadShape => ({
  clients,
  messagesPerClient,
  // Each client may send 1000/s: 200 clients offer 200,000 msgs/s, far above any server here;
  // the window (messages of one client in flight) bounds the queue instead.
  ratePerClient: 1000,
  window: Number(values["saturation-window"]),
  amp,
})

const fixedRate = (amp: boolean): LoadShape => ({
  clients,
  messagesPerClient: Math.round(fixedRatePerClient * Number(values["fixed-seconds"])),
  ratePerClient: fixedRatePerClient,
  // Wide enough never to hold a message back at this rate.
  window: 100,
  amp,
})

const discardedFailures: Array<string> = []

/** Runs `run` `--repeats` times and keeps the best result by `better`. */
const bestOf = async (
  run: () => Promise<LoadResult>,
  better: (candidate: LoadResult, best: LoadResult) => boolean,
): Promise<LoadResult> => {
  let best = await run()
  for (let repeat = 1; repeat < Number(values.repeats); repeat++) {
    const candidate = await run()
    // A discarded run's failures are still failures.
    if (better(candidate, best)) {
      discardedFailures.push(...best.failures)
      best = candidate
    } else discardedFailures.push(...candidate.failures)
  }
  return best
}

/** The load generator's view of `server`: its port, its pid for /proc figures, the generator's core. */
const targetOf = (server: RunningServer) => ({
  port: server.port,
  pid: server.pid,
  core: generatorCore,
})

/** A server's figures from its own fresh process: memory and saturation. */
type AloneFigures = Pick<PeerColumn, "fresh" | "saturation">

/** A warm-up at saturation (discarded): a server in use has its code warm, and Node's JIT needs a few thousand messages. */
const warmUp = async (server: RunningServer, amp: boolean): Promise<void> => {
  const result = await runGenerator(
    targetOf(server),
    saturation(amp, Number(values["warmup-messages"])),
    accounts,
  )
  discardedFailures.push(...result.failures)
}

/**
 * The figures a server gives alone. First, on the fresh process, `--idle-sessions` sessions
 * log in and sit idle (RSS per idle session is only meaningful before any load); then a
 * warm-up, then saturation `--repeats` times, keeping the run with the most msgs/s to lessen
 * interference from other work on a shared machine. The fixed rate is measured later, in
 * rounds across all servers (`latencyRounds`).
 */
const measure = async (server: RunningServer, amp: boolean): Promise<AloneFigures> => {
  const target = targetOf(server)
  log(`${server.name}: ${idleSessions} idle sessions …`)
  // Memory first, on the fresh process: many sessions, so that what a runtime reserves once is
  // not counted as per-session memory, and a settling wait before the figure without sessions
  // and the one with them: each runtime returns its garbage some time after it goes idle (V8's
  // young generation grows to tens of MiB while the logins allocate and is given back only
  // then). Each session sends one message to prove it works.
  const fresh = await runGenerator(
    target,
    {
      clients: idleSessions,
      messagesPerClient: 1,
      ratePerClient: 1,
      window: 1,
      amp: false,
      settleSeconds: Number(values["memory-settle-seconds"]),
    },
    accounts,
  )
  log(`${server.name}: warm-up …`)
  await warmUp(server, amp)
  log(`${server.name}: saturation …`)
  const saturated = await bestOf(
    () => runGenerator(target, saturation(amp, Number(values["saturation-messages"])), accounts),
    (candidate, best) => candidate.deliveredPerSecond > best.deliveredPerSecond,
  )
  log(`${server.name}: ${Math.round(saturated.deliveredPerSecond)} msgs/s`)
  return { fresh, saturation: saturated }
}

/** A load the fixed-rate rounds run: a server, and whether its messages carry the AMP rule. */
interface LatencyTarget {
  readonly name: string
  readonly server: RunningServer
  readonly amp: boolean
}

/**
 * The fixed-rate load in `--latency-rounds` rounds with every server running at once (idle
 * but for the one under load, all pinned to the same core): each round runs it against each
 * target in turn, the order rotated by one per round, with a pause of a second before each
 * run. Each target is warmed up first. A target's figures are then the median of its rounds.
 * p99 at this rate moves between runs of the same server by more than the servers differ
 * (docs/performance.md), and a best-of-N taken minutes apart favours whichever server ran in
 * a quiet minute; interleaved rounds give every server the same minutes.
 */
const latencyRounds = async (
  targets: ReadonlyArray<LatencyTarget>,
): Promise<Map<string, Array<LoadResult>>> => {
  const results = new Map(targets.map((target) => [target.name, [] as Array<LoadResult>]))
  for (const target of targets) {
    log(`${target.name}: warm-up for the fixed-rate rounds …`)
    await warmUp(target.server, target.amp)
  }
  const rounds = Number(values["latency-rounds"])
  for (let round = 0; round < rounds; round++) {
    const shift = round % targets.length
    for (const target of [...targets.slice(shift), ...targets.slice(0, shift)]) {
      await sleep(1000)
      const { server, amp } = target
      const result = await runGenerator(targetOf(server), fixedRate(amp), accounts)
      log(
        `fixed rate, round ${round + 1} of ${rounds}: ${target.name} p99 ${result.latencyP99Milliseconds.toFixed(2)} ms`,
      )
      results.get(target.name)?.push(result)
    }
  }
  return results
}

/** The server under test right now, stopped on Ctrl-C as well. */
let current: RunningServer | undefined

/** Starts a server, runs `work` with it, and always stops it. */
const withServer = async <A>(
  start: () => Promise<RunningServer>,
  work: (server: RunningServer) => Promise<A>,
): Promise<A> => {
  const server = await start()
  current = server
  try {
    return await work(server)
  } finally {
    current = undefined
    await server.stop()
  }
}

const measurePeer = async (
  name: string,
  start: () => Promise<RunningServer>,
): Promise<{ figures: AloneFigures; registrationSeconds: number }> =>
  withServer(start, async (server) => {
    const registrationSeconds = await registerAccounts({
      port: server.port,
      domain: "localhost",
      password: accounts.password,
      prefix: accounts.prefix,
      count: accountCount,
      concurrency: 20,
    })
    log(
      `${name}: ${accountCount} accounts registered in-band in ${registrationSeconds.toFixed(2)} s`,
    )
    return { figures: await measure(server, false), registrationSeconds }
  })

const failuresOf = (column: PeerColumn): Array<string> =>
  [
    ...column.fresh.failures,
    ...column.saturation.failures,
    ...column.fixedRate.flatMap((result) => result.failures),
  ].map((failure) => `${column.name}: ${failure}`)

const sum = (results: ReadonlyArray<LoadResult>, figure: (result: LoadResult) => number) =>
  results.reduce((total, result) => total + figure(result), 0)

/** The 1-minute load average: other work on the machine makes the figures noisy. */
const loadAverage = (): string => readFileSync("/proc/loadavg", "utf8").split(" ")[0] ?? "?"

const root = await mkdtemp(join(tmpdir(), "xmpp-amp-bench-peers-"))
// Interrupted: stop the server under test and remove the temporary directory before exiting.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void (current?.stop() ?? Promise.resolve())
      .then(() => rm(root, { recursive: true, force: true }))
      .finally(() => process.exit(130))
  })
}
try {
  const versions = ensureInstalled(["prosody", "ejabberd"], log)
  const started = performance.now()
  const loadBefore = loadAverage()
  const prosodyDirectory = join(root, "prosody")
  const ejabberdDirectory = join(root, "ejabberd")
  const ours = join(root, "ours")
  const startOurs = (name: string) => () =>
    startOurServer(ours, serverCore, { name, nodeOptions: ourNodeOptions })
  const prosody = await measurePeer("Prosody", () => startProsody(prosodyDirectory, serverCore))
  const ejabberd = await measurePeer("ejabberd", () => startEjabberd(ejabberdDirectory, serverCore))
  provisionOurUsers(join(ours, "data"), accounts.prefix, accountCount, accounts.password, clients)
  const ampOffAlone = await withServer(startOurs("ours AMP off"), (server) =>
    measure(server, false),
  )
  const ampOnAlone = await withServer(startOurs("ours AMP on"), (server) => measure(server, true))
  // The fixed-rate rounds: all three servers again (their accounts are kept in their
  // directories), ours once, for both of its loads.
  log("fixed-rate rounds: starting all servers …")
  const rounds = await withServer(
    () => startProsody(prosodyDirectory, serverCore),
    (prosodyServer) =>
      withServer(
        () => startEjabberd(ejabberdDirectory, serverCore),
        (ejabberdServer) =>
          withServer(startOurs("ours"), (oursServer) =>
            latencyRounds([
              { name: "Prosody", server: prosodyServer, amp: false },
              { name: "ejabberd", server: ejabberdServer, amp: false },
              { name: "ours AMP off", server: oursServer, amp: false },
              { name: "ours AMP on", server: oursServer, amp: true },
            ]),
          ),
      ),
  )
  const column = (name: string, alone: AloneFigures): PeerColumn => ({
    name,
    ...alone,
    fixedRate: rounds.get(name) ?? [],
  })
  const prosodyColumn = column("Prosody", prosody.figures)
  const ejabberdColumn = column("ejabberd", ejabberd.figures)
  const ampOff = column("ours AMP off", ampOffAlone)
  const ampOn = column("ours AMP on", ampOnAlone)
  const columns = [prosodyColumn, ejabberdColumn, ampOff, ampOn]
  const generatorCpu = Math.max(
    ...columns.flatMap((column) => [
      column.saturation.generatorCpuPercent,
      ...column.fixedRate.map((result) => result.generatorCpuPercent),
    ]),
  )
  const lines = [
    "",
    `bench:peers ${new Date().toISOString()}: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}, Prosody ${versions.prosody}, ejabberd ${versions.ejabberd} (Debian packages)`,
    `servers pinned to core ${serverCore}, load generator to core ${generatorCore}; ${clients} clients in a ring, SCRAM-SHA-1 over plain TCP on 127.0.0.1, MAM off on all three${ourNodeOptions.length === 0 ? "" : `; ours started with node ${ourNodeOptions.join(" ")}`}`,
    `saturation: ${values["saturation-messages"]} messages per client offered at 1000/s each, ≤ ${values["saturation-window"]} in flight per client; fixed rate: ${values["fixed-rate"]} msgs/s in total for ${values["fixed-seconds"]} s`,
    `memory: ${idleSessions} idle sessions on the fresh server (RSS per idle session from them, each RSS figure after ${values["memory-settle-seconds"]} s of settling); warm-up: ${values["warmup-messages"]} messages per client at saturation, then saturation ${values.repeats}× keeping the best run; fixed rate in ${values["latency-rounds"]} rounds with all servers running, each server's figures the median round; 1-minute load average ${loadBefore} before, ${loadAverage()} after (above ~0 means other work shared the cores)`,
    `accounts registered in-band (XEP-0077): Prosody ${prosody.registrationSeconds.toFixed(2)} s, ejabberd ${ejabberd.registrationSeconds.toFixed(2)} s; ours written into its database`,
    "",
    formatPeerTable([prosodyColumn, ejabberdColumn], [ampOff, ampOn]),
    formatLatencyRounds([prosodyColumn, ejabberdColumn], [ampOff, ampOn]),
    `generator CPU at most ${generatorCpu.toFixed(0)}% of its core in any run (100% would mean the generator is the bottleneck)`,
    `AMP notify replies: ${ampOn.saturation.ampNotifications} of ${ampOn.saturation.messagesSent} (saturation), ${sum(ampOn.fixedRate, (result) => result.ampNotifications)} of ${sum(ampOn.fixedRate, (result) => result.messagesSent)} (fixed-rate rounds)`,
  ]
  process.stdout.write(`${lines.join("\n")}\n`)

  if (values.profile) {
    const profileDirectory = join(root, "profile")
    const profiled = await withServer(
      () =>
        startOurServer(ours, serverCore, {
          name: "ours AMP on, --cpu-prof",
          cpuProfileDirectory: profileDirectory,
          nodeOptions: ourNodeOptions,
        }),
      async (server) => {
        const target = targetOf(server)
        await runGenerator(target, saturation(true, Number(values["warmup-messages"])), accounts)
        return runGenerator(target, saturation(true, Number(values["profile-messages"])), accounts)
      },
    )
    const file = readdirSync(profileDirectory).find((name) => name.endsWith(".cpuprofile"))
    if (file === undefined) throw new Error("the server wrote no CPU profile")
    const profile = JSON.parse(readFileSync(join(profileDirectory, file), "utf8")) as CpuProfile
    const summary = summariseProfile(
      profile,
      profiled.exchangeMonotonicMicroseconds,
      join(import.meta.dirname, "..", "..", "..", ".."),
      15,
    )
    process.stdout.write(
      [
        "",
        `CPU profile of ours, AMP on, saturation (${Math.round(profiled.deliveredPerSecond)} msgs/s under the profiler): ${(summary.busyMilliseconds / 1000).toFixed(2)} s busy, ${(summary.idleMilliseconds / 1000).toFixed(2)} s idle during the exchange; top self time:`,
        ...summary.top.map(
          (entry) => `  ${entry.percent.toFixed(1).padStart(5)}%  ${entry.location}`,
        ),
        "",
      ].join("\n"),
    )
  }
  log(`bench:peers took ${((performance.now() - started) / 1000).toFixed(0)} s`)
  const failures = [...columns.flatMap(failuresOf), ...discardedFailures]
  if (failures.length > 0) {
    process.stdout.write(`\nfailures:\n${failures.slice(0, 20).join("\n")}\n`)
    process.exitCode = 1
  }
} finally {
  await rm(root, { recursive: true, force: true })
}
