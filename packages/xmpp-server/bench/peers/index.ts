// `npm run bench:peers` (issue 10 items 1–2): our server against Prosody and ejabberd in one
// run. Installs the two from Debian when missing, configures each on loopback in a temporary
// directory with the same accounts, pins each server to core 0 and the load generator to
// core 1, and measures two load shapes per server: saturation (offered load far above what a
// server can do, a bounded window in flight) and a fixed total rate (latency). Our server runs
// with AMP off and with a `deliver=direct notify` rule on every message (XEP-0079); MAM is off
// for all three. Then our server runs the saturation load once more under `--cpu-prof`, and
// the top self-time functions are printed. Prints one table with our ratios to both peers.
//   npm run bench:peers -- --clients 200 --saturation-messages 100 --fixed-rate 2000 --fixed-seconds 5
import { readdirSync, readFileSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { cpus, tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import type { LoadResult } from "../runLoad.js"
import { type CpuProfile, summariseProfile } from "./CpuProfile.js"
import { ensureInstalled } from "./DebianPackages.js"
import { startEjabberd } from "./Ejabberd.js"
import { type LoadShape, runGenerator } from "./Generator.js"
import { provisionOurUsers, startOurServer } from "./OurServer.js"
import { formatPeerTable, type PeerColumn } from "./PeerTable.js"
import { startProsody } from "./Prosody.js"
import { registerAccounts } from "./register.js"
import type { RunningServer } from "./ServerProcess.js"

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "200" },
    "idle-sessions": { type: "string", default: "1000" },
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

/**
 * Both load shapes against a running server. First, on the fresh process, `--idle-sessions`
 * sessions log in and sit idle (RSS per idle session is only meaningful before any load); then
 * a short warm-up at saturation (discarded), since a server in use has its code warm and
 * Node's JIT needs a few thousand messages. Then each shape `--repeats` times, keeping the best run (most msgs/s
 * at saturation, lowest p99 at the fixed rate) to lessen interference from other work on a
 * shared machine.
 */
const measure = async (server: RunningServer, amp: boolean): Promise<Omit<PeerColumn, "name">> => {
  const target = { port: server.port, pid: server.pid, core: generatorCore }
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
  const warmUp = await runGenerator(
    target,
    saturation(amp, Number(values["warmup-messages"])),
    accounts,
  )
  discardedFailures.push(...warmUp.failures)
  log(`${server.name}: saturation …`)
  const saturated = await bestOf(
    () => runGenerator(target, saturation(amp, Number(values["saturation-messages"])), accounts),
    (candidate, best) => candidate.deliveredPerSecond > best.deliveredPerSecond,
  )
  log(`${server.name}: ${Math.round(saturated.deliveredPerSecond)} msgs/s; fixed rate …`)
  const fixed = await bestOf(
    () => runGenerator(target, fixedRate(amp), accounts),
    (candidate, best) => candidate.latencyP99Milliseconds < best.latencyP99Milliseconds,
  )
  return { fresh, saturation: saturated, fixedRate: fixed }
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
): Promise<{ column: PeerColumn; registrationSeconds: number }> =>
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
    return { column: { name, ...(await measure(server, false)) }, registrationSeconds }
  })

const failuresOf = (column: PeerColumn): Array<string> =>
  [...column.fresh.failures, ...column.saturation.failures, ...column.fixedRate.failures].map(
    (failure) => `${column.name}: ${failure}`,
  )

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
  const prosody = await measurePeer("Prosody", () =>
    startProsody(join(root, "prosody"), serverCore),
  )
  const ejabberd = await measurePeer("ejabberd", () =>
    startEjabberd(join(root, "ejabberd"), serverCore),
  )
  const ours = join(root, "ours")
  provisionOurUsers(join(ours, "data"), accounts.prefix, accountCount, accounts.password, clients)
  const ampOff: PeerColumn = {
    name: "ours AMP off",
    ...(await withServer(
      () => startOurServer(ours, serverCore, { name: "ours AMP off", nodeOptions: ourNodeOptions }),
      (server) => measure(server, false),
    )),
  }
  const ampOn: PeerColumn = {
    name: "ours AMP on",
    ...(await withServer(
      () => startOurServer(ours, serverCore, { name: "ours AMP on", nodeOptions: ourNodeOptions }),
      (server) => measure(server, true),
    )),
  }
  const columns = [prosody.column, ejabberd.column, ampOff, ampOn]
  const generatorCpu = Math.max(
    ...columns.flatMap((column) => [
      column.saturation.generatorCpuPercent,
      column.fixedRate.generatorCpuPercent,
    ]),
  )
  const lines = [
    "",
    `bench:peers ${new Date().toISOString()}: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}, Prosody ${versions.prosody}, ejabberd ${versions.ejabberd} (Debian packages)`,
    `servers pinned to core ${serverCore}, load generator to core ${generatorCore}; ${clients} clients in a ring, SCRAM-SHA-1 over plain TCP on 127.0.0.1, MAM off on all three${ourNodeOptions.length === 0 ? "" : `; ours started with node ${ourNodeOptions.join(" ")}`}`,
    `saturation: ${values["saturation-messages"]} messages per client offered at 1000/s each, ≤ ${values["saturation-window"]} in flight per client; fixed rate: ${values["fixed-rate"]} msgs/s in total for ${values["fixed-seconds"]} s`,
    `memory: ${idleSessions} idle sessions on the fresh server (RSS per idle session from them, each RSS figure after ${values["memory-settle-seconds"]} s of settling); warm-up: ${values["warmup-messages"]} messages per client at saturation, then each shape ${values.repeats}× keeping the best run; 1-minute load average ${loadBefore} before, ${loadAverage()} after (above ~0 means other work shared the cores)`,
    `accounts registered in-band (XEP-0077): Prosody ${prosody.registrationSeconds.toFixed(2)} s, ejabberd ${ejabberd.registrationSeconds.toFixed(2)} s; ours written into its database`,
    "",
    formatPeerTable([prosody.column, ejabberd.column], [ampOff, ampOn]),
    `generator CPU at most ${generatorCpu.toFixed(0)}% of its core in any run (100% would mean the generator is the bottleneck)`,
    `AMP notify replies: ${ampOn.saturation.ampNotifications} of ${ampOn.saturation.messagesSent} (saturation), ${ampOn.fixedRate.ampNotifications} of ${ampOn.fixedRate.messagesSent} (fixed rate)`,
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
        const target = { port: server.port, pid: server.pid, core: generatorCore }
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
