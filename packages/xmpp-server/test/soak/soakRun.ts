// The soak run (issue 10 item 4): the server CLI as a child process, stream-managed users
// sending chat messages to each other at a bounded rate while seeded random faults hit them
// (abrupt drops then resumption, new sessions, time away long enough for the session to end
// and messages to go offline, clean logouts), the server restarted once in the middle (SIGTERM
// or SIGKILL), then everyone back online until every acknowledged message arrived. Returns
// the ledger's verdict, the counts and the server's RSS before and after the second half.
import { appendFileSync, readFileSync } from "node:fs"
import { type CliServer, crashBed } from "../crash/cliServer.js"
import { collectedHeapBytes, inspectorNodeOption, inspectorUrl } from "./heapProbe.js"
import { SoakClient } from "./SoakClient.js"
import { SoakLedger, type Verdict } from "./SoakLedger.js"
import { messageLoad, pause, seededRandom, waitUntil } from "./soakSchedule.js"

/** What a run does. */
export interface SoakOptions {
  readonly seed: number
  readonly users: number
  readonly messages: number
  readonly restart: "SIGTERM" | "SIGKILL"
  /** Messages per second over all users (the bound on the load). */
  readonly rate: number
  /** Mean pause between two faults (ms). */
  readonly faultEvery: number
  /** Progress lines go here. */
  readonly log: (line: string) => void
}

/** What a run measured. */
export interface SoakResult {
  readonly verdict: Verdict
  readonly resumptions: number
  readonly resumeFailures: number
  readonly freshSessions: number
  readonly faults: Readonly<Record<string, number>>
  readonly impossibleAcks: number
  /** Messages still unacknowledged when the run ended (all clients online), per user. */
  readonly unackedAtEnd: Readonly<Record<string, number>>
  readonly restartExitCode: number | null
  /** RSS (kB) after the restart with every user online and idle, before the second half. */
  readonly rssBefore: number
  /** RSS (kB) with the same sessions after the second half, settled. */
  readonly rssAfter: number
  /** RSS (kB) once every user logged out, settled. */
  readonly rssLoggedOut: number
  /** Used JavaScript heap (bytes) after a full GC, at the same two moments as the RSS. */
  readonly heapBefore: number
  readonly heapAfter: number
  readonly seconds: number
}

const password = "soak-pass"
const resumeTimeout = 2

/** Resident set size of a process in kB (Linux). */
const residentKb = (pid: number): number =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0)

/** RSS once the server is idle: the lowest of ten samples over a second, after `quietMs`. */
const settledRss = async (pid: number, quietMs: number): Promise<number> => {
  await pause(quietMs)
  let lowest = Number.POSITIVE_INFINITY
  for (let sample = 0; sample < 10; sample++) {
    lowest = Math.min(lowest, residentKb(pid))
    await pause(100)
  }
  return lowest
}

/** Runs one soak; the caller asserts on the result. */
export const runSoak = async (options: SoakOptions): Promise<SoakResult> => {
  const started = Date.now()
  const random = seededRandom(options.seed)
  const pick = <T>(items: ReadonlyArray<T>): T => items[Math.floor(random() * items.length)] as T
  const bed = crashBed([
    "[modules.stream_management]",
    `resume_timeout = ${resumeTimeout}`,
    // Far beyond the run: the server then asks `<r/>` again only after an `<a/>` answered the
    // previous one, which is how a client knows its ack was processed (SoakLedger).
    "ack_timeout = 3600",
  ])
  const names = Array.from({ length: options.users }, (_, index) => `soak${index + 1}`)
  const ledger = new SoakLedger()
  const clients = names.map((name) => new SoakClient(name, password, ledger))
  const faults: Record<string, number> = {}
  let server: CliServer | undefined
  let serverLog = ""
  const inspectors = new WeakMap<CliServer, string>()
  /** The used heap after a full GC in the running server, through its inspector. */
  const collectedHeap = (): Promise<number> => {
    const url = server === undefined ? undefined : inspectors.get(server)
    if (url === undefined) throw new Error(`no inspector URL in the server log: ${serverLog}`)
    return collectedHeapBytes(url)
  }
  const startServer = async (): Promise<CliServer> => {
    // The child inherits the environment when it is spawned, synchronously inside `start`.
    const nodeOptions = process.env.NODE_OPTIONS
    process.env.NODE_OPTIONS = `${nodeOptions ?? ""} ${inspectorNodeOption}`.trim()
    const starting = bed.start()
    if (nodeOptions === undefined) delete process.env.NODE_OPTIONS
    else process.env.NODE_OPTIONS = nodeOptions
    const started = await starting
    let log = started.earlyStderr
    const earlyUrl = inspectorUrl(log)
    if (earlyUrl !== undefined) inspectors.set(started, earlyUrl)
    // The server logs JSON lines on stderr; a pipe nobody reads would block it.
    started.child.stderr?.on("data", (chunk: Buffer) => {
      if (process.env.SOAK_SERVER_LOG) appendFileSync(process.env.SOAK_SERVER_LOG, chunk)
      log = (log + chunk.toString()).slice(-20_000)
      if (server === started) serverLog = log
      const url = inspectorUrl(log)
      if (url !== undefined && !inspectors.has(started)) inspectors.set(started, url)
    })
    return started
  }
  /** Connects a client, retrying while the server restarts (bounded). */
  const bringOnline = async (client: SoakClient, mode: "resume" | "fresh"): Promise<void> => {
    for (let attempt = 0; attempt < 80; attempt++) {
      const current = server
      if (current !== undefined && !stopping) {
        try {
          return await client.connect(current.port, mode)
        } catch {
          // The server went down meanwhile, or was too slow: try again.
        }
      }
      await pause(250)
    }
    throw new Error(`${client.name} could not connect; server log: ${serverLog.slice(-2000)}`)
  }

  let stopping = false
  const inFault = new Set<SoakClient>()
  const faultTasks = new Set<Promise<void>>()
  /** One seeded fault on one online client; resolves once it is back online. */
  const fault = async (client: SoakClient): Promise<void> => {
    const roll = random()
    const kind =
      roll < 0.5
        ? "drop-resume"
        : roll < 0.65
          ? "drop-new-session"
          : roll < 0.85
            ? "away"
            : "logout"
    faults[kind] = (faults[kind] ?? 0) + 1
    if (kind === "logout") client.logout()
    else client.drop()
    const away =
      kind === "drop-resume" || kind === "drop-new-session"
        ? 50 + random() * 400
        : kind === "away"
          ? resumeTimeout * 1000 + 500 + random() * 1500
          : 300 + random() * 2000
    await pause(away)
    await bringOnline(client, kind === "drop-new-session" ? "fresh" : "resume")
  }
  const runFaults = async (until: () => boolean): Promise<void> => {
    while (!until()) {
      await pause(options.faultEvery * (0.5 + random()))
      const candidates = clients.filter(
        (client) => client.state === "online" && !inFault.has(client),
      )
      if (candidates.length === 0 || until()) continue
      const client = pick(candidates)
      inFault.add(client)
      const task = fault(client).finally(() => {
        inFault.delete(client)
        faultTasks.delete(task)
      })
      faultTasks.add(task)
    }
    await Promise.all([...faultTasks])
  }

  const load = messageLoad(clients, random, options.rate)

  try {
    await bed.addUsers(names, password)
    server = await startServer()
    await Promise.all(clients.map((client) => bringOnline(client, "fresh")))

    // First half: load and faults; the restart comes right after the last message of the
    // half was sent, with acks in flight and faults under way (clients away, resuming).
    const half = Math.floor(options.messages / 2)
    let loading = true
    const firstFaults = runFaults(() => !loading)
    await load.sendUpTo(half)
    const running = server
    server = undefined
    const exited = new Promise<number | null>((resolve) => running.child.on("exit", resolve))
    running.child.kill(options.restart)
    loading = false
    const restartExitCode = await exited
    options.log(`${options.restart} after ${load.sent} sent, ${ledger.ackedCount} acked`)
    server = await startServer()
    // Resumption fails after a restart (the sessions were in memory): new sessions, offline
    // messages. Clients in the middle of a fault come back on their own.
    const dropped = clients.filter((client) => client.state !== "online" && !inFault.has(client))
    await Promise.all([...dropped.map((client) => bringOnline(client, "resume")), firstFaults])
    for (const client of clients) client.requestAck()
    await waitUntil(() => ledger.allAckedDelivered(), 20_000)
    const pid = server.child.pid ?? 0
    const rssBefore = await settledRss(pid, 1500)
    const heapBefore = await collectedHeap()

    // Second half.
    loading = true
    const secondFaults = runFaults(() => !loading)
    await load.sendUpTo(options.messages)
    loading = false
    await secondFaults

    // Everyone is back (also a client the server disconnected on its own, which should not
    // happen); wait until every sender's messages are acknowledged and delivered.
    const leftOffline = clients.filter((client) => client.state !== "online")
    if (leftOffline.length > 0) options.log(`${leftOffline.length} clients were offline at the end`)
    await Promise.all(leftOffline.map((client) => bringOnline(client, "resume")))
    for (const client of clients) client.requestAck()
    await waitUntil(() => clients.every((client) => client.unacknowledged === 0), 20_000)
    const unackedAtEnd = Object.fromEntries(
      clients
        .filter((client) => client.unacknowledged > 0)
        .map((client) => [client.name, client.unacknowledged]),
    )
    await waitUntil(() => ledger.allAckedDelivered(), 20_000)
    let seen = -1
    await waitUntil(() => {
      const quiet = seen === ledger.received
      seen = ledger.received
      return quiet
    }, 10_000)
    const rssAfter = await settledRss(pid, 1500)
    const heapAfter = await collectedHeap()
    for (const client of clients) client.logout()
    const rssLoggedOut = await settledRss(pid, 1000)
    stopping = true
    const sum = (key: "resumed" | "resumeFailed" | "freshSessions" | "impossibleAcks") =>
      clients.reduce((total, client) => total + client.counts[key], 0)
    return {
      verdict: ledger.verdict(),
      resumptions: sum("resumed"),
      resumeFailures: sum("resumeFailed"),
      freshSessions: sum("freshSessions"),
      faults,
      impossibleAcks: sum("impossibleAcks"),
      unackedAtEnd,
      restartExitCode,
      rssBefore,
      rssAfter,
      rssLoggedOut,
      heapBefore,
      heapAfter,
      seconds: (Date.now() - started) / 1000,
    }
  } finally {
    stopping = true
    for (const client of clients) client.drop()
    bed.cleanup()
  }
}
