// `npm run bench` (issue 4 item 10): provisions N accounts, starts the reference server as a
// child process through its CLI, drives it with the load generator in another process (once
// with the MAM archive off, once on as by default), does the same against a plain TCP relay
// as the baseline, and prints all of them with their ratios to the baseline. With `--amp`, the
// server runs four times with MAM off: without AMP, with a `deliver=stored notify` AMP rule
// (XEP-0079) on every message that never fires for an online recipient (AMP's own work, no
// reply), and with a `deliver=direct notify` rule (a notify reply per message); the ratios to
// the run without AMP are printed, and a fourth run with the AMP module off and the same `<amp/>`
// on every message (routed as it is): the cost of the bytes alone. With `--sm`, the server runs
// twice with MAM off: plain clients, and every client with XEP-0198 stream management (each
// message then has an `sm_pending` row until its recipient acknowledges it, and the clients
// answer the server's `<r/>`).
//   npm run bench -- --clients 200 --messages 100 --rate 50 --window 10 --mechanism SCRAM-SHA-1 --tls off
//   npm run bench -- --sm
//   npm run bench -- --amp --server-node-options="--cpu-prof --cpu-prof-dir=/tmp/profiles"
//   BENCH_SERVER_LOG=/tmp/server.log npm run bench -- --server-node-options=--trace-gc
import { type ChildProcess, spawn } from "node:child_process"
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { parseArgs } from "node:util"
import { provisionOurUsers } from "./peers/OurServer.js"
import { formatComparison } from "./report.js"
import type { LoadResult } from "./runLoad.js"
import type { AmpBenchRule } from "./xmppClient.js"

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "200" },
    messages: { type: "string", default: "100" },
    rate: { type: "string", default: "50" },
    window: { type: "string", default: "10" },
    mechanism: { type: "string", default: "SCRAM-SHA-1" },
    tls: { type: "string", default: "off" },
    amp: { type: "boolean", default: false },
    sm: { type: "boolean", default: false },
    "server-node-options": { type: "string", default: "" },
  },
})

if (values.amp && values.sm) throw new Error("--amp and --sm are separate runs: give one of them")

const packageRoot = join(import.meta.dirname, "..")
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href
const nodeArguments = ["--conditions=@xmpp-amp/source", "--import", tsxLoader]
const password = "bench-password"
const usersPrefix = "bench"
const clients = Number(values.clients)
/** `--server-node-options "--cpu-prof --cpu-prof-dir=/tmp/p"`: V8 flags for the server only. */
const serverNodeArguments = String(values["server-node-options"]).split(/\s+/).filter(Boolean)

const runTs = (
  script: string,
  args: ReadonlyArray<string>,
  cwd = packageRoot,
  extraNodeArguments: ReadonlyArray<string> = [],
): ChildProcess =>
  spawn(process.execPath, [...extraNodeArguments, ...nodeArguments, script, ...args], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
  })

/** Resolves with the first match of `pattern` in the child's stdout. */
const waitForOutput = (child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> =>
  new Promise((resolve, reject) => {
    let output = ""
    let errors = ""
    child.stderr?.on("data", (chunk: Buffer) => {
      errors += chunk.toString()
    })
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString()
      const match = pattern.exec(output)
      if (match !== null) resolve(match)
    })
    child.once("exit", (code) =>
      reject(new Error(`exited with ${code} before ready:\n${output}${errors}`)),
    )
  })

const stop = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null) return
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  child.kill("SIGTERM")
  await exited
}

const runGenerator = async (
  port: number,
  serverPid: number,
  protocol: "xmpp" | "relay",
  amp?: AmpBenchRule,
  sm = false,
): Promise<LoadResult> => {
  const generator = runTs(join(import.meta.dirname, "loadGenerator.ts"), [
    ...["--protocol", protocol, "--port", String(port), "--server-pid", String(serverPid)],
    ...["--domain", "localhost", "--users-prefix", usersPrefix, "--password", password],
    ...["--clients", String(values.clients), "--messages", String(values.messages)],
    ...[
      "--rate",
      String(values.rate),
      "--window",
      String(values.window),
      "--mechanism",
      String(values.mechanism),
    ],
    ...(protocol === "xmpp" ? ["--tls", String(values.tls)] : []),
    ...(amp === undefined ? [] : ["--amp-rule", amp]),
    ...(sm ? ["--sm"] : []),
  ])
  let stdout = ""
  let stderr = ""
  generator.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  generator.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  await new Promise((resolve) => generator.once("exit", resolve))
  const line = stdout.trim().split("\n").pop() ?? ""
  if (!line.startsWith("{"))
    throw new Error(`the ${protocol} load generator failed:\n${stdout}${stderr}`)
  return JSON.parse(line) as LoadResult
}

const measureRelay = async (): Promise<LoadResult> => {
  const relay = runTs(join(import.meta.dirname, "relayServer.ts"), ["127.0.0.1"])
  try {
    const [, port] = await waitForOutput(relay, /listening (\d+)/)
    return await runGenerator(Number(port), relay.pid ?? 0, "relay")
  } finally {
    await stop(relay)
  }
}

/**
 * Creates `bench1` … `benchN` directly in the server's database; with `--amp`, each is
 * subscribed both ways to the next in the ring (AMP's presence check, XEP-0079 §9).
 */
const provisionUsers = (dataDir: string): void =>
  provisionOurUsers(dataDir, usersPrefix, clients, password, values.amp ? clients : 0)

/** How the server runs and what the clients do. */
interface ServerRun {
  /** The MAM module (durable writes per message). */
  readonly archive: boolean
  /** This AMP rule on every message. */
  readonly amp?: AmpBenchRule
  /** The AMP module (on unless false). */
  readonly ampModule?: boolean
  /** Every client enables XEP-0198 stream management. */
  readonly sm?: boolean
}

/** Runs the load against the server, configured and driven as `run` says. */
const measureServer = async (
  directory: string,
  { archive, amp, ampModule = true, sm = false }: ServerRun,
): Promise<LoadResult> => {
  const configFile = join(
    directory,
    `server-${archive ? "archive" : "no-archive"}${ampModule ? "" : "-no-amp"}.toml`,
  )
  writeFileSync(
    configFile,
    [
      "[server]",
      'data_dir = "data"',
      "[listen.c2s]",
      "port = 0",
      'tls = "optional"',
      // Loopback only: `--mechanism PLAIN --tls off` measures PLAIN without TLS.
      "allow_plain_without_tls = true",
      "[listen.websocket]",
      "enabled = false",
      "[listen.component]",
      "enabled = false",
      "[modules.mam]",
      `enabled = ${archive}`,
      "[modules.amp]",
      `enabled = ${ampModule}`,
    ].join("\n"),
  )
  const server = runTs(
    join(packageRoot, "src", "cli.ts"),
    ["start", "--config", configFile],
    directory,
    serverNodeArguments,
  )
  const serverLog = process.env.BENCH_SERVER_LOG
  if (serverLog !== undefined && serverLog !== "") {
    appendFileSync(serverLog, `--- ${configFile} ${amp ?? "no AMP rule"}\n`)
    server.stdout?.on("data", (chunk: Buffer) => appendFileSync(serverLog, chunk))
    server.stderr?.on("data", (chunk: Buffer) => appendFileSync(serverLog, chunk))
  }
  try {
    const [, port] = await waitForOutput(server, /c2s +127\.0\.0\.1:(\d+)/)
    return await runGenerator(Number(port), server.pid ?? 0, "xmpp", amp, sm)
  } finally {
    await stop(server)
  }
}

/** The default run: the server with the MAM archive off and on. */
const compareArchive = async (baseline: LoadResult): Promise<ReadonlyArray<LoadResult>> => {
  const routing = await measureServer(directory, { archive: false })
  const archiving = await measureServer(directory, { archive: true })
  process.stdout.write(
    formatComparison(
      [
        { name: "server, MAM off", result: routing },
        { name: "server, MAM on (default)", result: archiving },
      ],
      { name: "TCP relay baseline", result: baseline },
    ),
  )
  return [routing, archiving]
}

/**
 * `--amp`: the server with MAM off, without AMP; with the AMP module off but the `<amp/>` of a
 * rule on every message (routed as it is, as by a server without AMP: what the bytes cost); with
 * a rule that never fires; with notify.
 */
const compareAmp = async (baseline: LoadResult): Promise<ReadonlyArray<LoadResult>> => {
  const plain = await measureServer(directory, { archive: false })
  const bytesOnly = await measureServer(directory, {
    archive: false,
    amp: "silent",
    ampModule: false,
  })
  const silent = await measureServer(directory, { archive: false, amp: "silent" })
  const notify = await measureServer(directory, { archive: false, amp: "notify" })
  process.stdout.write(
    formatComparison(
      [
        { name: "server, AMP off", result: plain },
        { name: "server, AMP module off, <amp/> in messages", result: bytesOnly },
        { name: "server, AMP rule that never fires", result: silent },
        { name: "server, AMP notify", result: notify },
      ],
      { name: "TCP relay baseline", result: baseline },
    ),
  )
  const ratios = (amp: LoadResult) => {
    const ratio = (value: (result: LoadResult) => number) => (value(amp) / value(plain)).toFixed(3)
    return `delivered msgs/s ${ratio((r) => r.deliveredPerSecond)}, server CPU per message ${ratio((r) => r.serverCpuMillisecondsPer1000Messages)}, latency p50 ${ratio((r) => r.latencyP50Milliseconds)}`
  }
  process.stdout.write(
    `\nAMP module off, messages with <amp/> (routed as they are) ÷ AMP off: ${ratios(bytesOnly)}\nAMP rule that never fires (deliver=stored notify, recipient online) ÷ AMP off: ${ratios(silent)}\nAMP notify (deliver=direct notify) ÷ AMP off: ${ratios(notify)}; notify replies ${notify.ampNotifications} of ${notify.messagesSent}\n`,
  )
  return [plain, bytesOnly, silent, notify]
}

/**
 * `--sm`: the server with MAM off, plain clients against clients with XEP-0198 stream
 * management, whose every message costs an `sm_pending` insert and delete (crash safety, see
 * docs/reliability.md) plus the `<r/>`/`<a/>` exchange.
 */
const compareSm = async (baseline: LoadResult): Promise<ReadonlyArray<LoadResult>> => {
  const plain = await measureServer(directory, { archive: false })
  const managed = await measureServer(directory, { archive: false, sm: true })
  process.stdout.write(
    formatComparison(
      [
        { name: "server, plain clients", result: plain },
        { name: "server, clients with XEP-0198", result: managed },
      ],
      { name: "TCP relay baseline", result: baseline },
    ),
  )
  const ratio = (value: (result: LoadResult) => number) =>
    (value(managed) / value(plain)).toFixed(3)
  process.stdout.write(
    `
XEP-0198 ÷ plain: delivered msgs/s ${ratio((r) => r.deliveredPerSecond)}, server CPU per message ${ratio((r) => r.serverCpuMillisecondsPer1000Messages)}, latency p50 ${ratio((r) => r.latencyP50Milliseconds)}, p99 ${ratio((r) => r.latencyP99Milliseconds)}
`,
  )
  return [plain, managed]
}

const directory = mkdtempSync(join(tmpdir(), "xmpp-amp-bench-"))
try {
  process.stdout.write(
    `${clients} clients, ${values.messages} messages each at ≤ ${values.rate}/s, ≤ ${values.window} in flight, ${values.mechanism} over TCP${values.tls === "starttls" ? " with STARTTLS" : ""} (server: tls optional)\n`,
  )
  provisionUsers(join(directory, "data"))
  const baseline = await measureRelay()
  const runs = values.amp
    ? await compareAmp(baseline)
    : values.sm
      ? await compareSm(baseline)
      : await compareArchive(baseline)
  const failures = [...runs.flatMap((run) => run.failures), ...baseline.failures]
  if (failures.length > 0) {
    process.stdout.write(`\nfailures:\n${failures.slice(0, 20).join("\n")}\n`)
    process.exitCode = 1
  }
} finally {
  rmSync(directory, { recursive: true, force: true })
}
