// The load itself (issue 4 item 10): N clients log in, sit idle so the server's memory per
// session can be measured, then each sends a bounded number of chat messages to the next
// client in a ring at a bounded rate with a bounded number in flight. Latency comes from a
// timestamp inside each message body; with `offlineRecipientOf` each client sends to an account
// that is not logged in instead, and a message's latency is that of its AMP notify reply.
import { appendFileSync } from "node:fs"
import { PerformanceObserver, performance } from "node:perf_hooks"
import { setTimeout as sleep } from "node:timers/promises"
import { cpuMillisecondsOf, memoryOf, syscallsOf, treeCpuMillisecondsOf } from "./processStats.js"

/**
 * Appends one run's messages to `file` (`BENCH_LATENCY_DUMP`, a diagnostic): a line `# <end,
 * epoch ms> <exchange start, epoch ms>`, then per delivered message in receipt order its send
 * time in ms after the exchange start and its latency in ms. Lined up with a server's
 * `--trace-gc` it shows which pauses make the slowest messages (docs/performance.md).
 */
const dumpLatencies = (
  file: string,
  exchangeStart: number,
  sendStamps: Float64Array,
  latencies: Float64Array,
  delivered: number,
): void => {
  const lines = [`# ${Date.now()} ${exchangeStart}`]
  for (let index = 0; index < delivered; index++)
    lines.push(`${(sendStamps[index] ?? 0) - exchangeStart} ${latencies[index]}`)
  appendFileSync(file, `${lines.join("\n")}\n`)
}

/** What the load needs of a connection (XMPP or the relay baseline). */
export interface LoadClient {
  onMessageBody: (body: string) => void
  onFailure: (reason: string) => void
  /** AMP mode: called for each XEP-0079 notify reply the sender gets, with its id. */
  onAmpNotify?: (id: string | undefined) => void
  sendChat(to: string, id: string, body: string): void
  close(): Promise<void>
}

/** How much load, and how to open a connection for client `index`. */
export interface LoadOptions {
  readonly clients: number
  readonly messagesPerClient: number
  /** Messages per second each client sends at most. */
  readonly ratePerClient: number
  /** Messages of one client sent but not yet received at most. */
  readonly window: number
  readonly loginConcurrency: number
  /**
   * Milliseconds to wait before measuring memory, both before the logins and after them: a
   * runtime returns garbage to the system only some time after it goes idle (V8's memory
   * reducer ran 10–45 s after the last allocation here), so both figures need the same wait.
   */
  readonly settleMilliseconds: number
  /** Give up waiting for messages after this long. */
  readonly timeoutMilliseconds: number
  /** The server's process id, for memory and CPU figures (same machine only). */
  readonly serverPid: number | undefined
  readonly login: (index: number) => Promise<{ client: LoadClient; jid: string }>
  /** AMP mode: the run ends when every message was delivered and its notify reply arrived. */
  readonly expectAmpNotifications?: boolean
  /**
   * Sends SIGUSR2 to the server at the start and at the end of the exchange, for the server's
   * own measurements of that window (bench/heapMeter.mjs).
   */
  readonly signalServer?: boolean
  /** SIGUSR2 to these processes (cluster nodes' heap meters) at the exchange's start and end. */
  readonly signalPids?: ReadonlyArray<number> | undefined
  /** Also give the p99 of the messages sent in each slice of this many seconds (cold starts). */
  readonly sliceSeconds?: number | undefined
  /**
   * The offline load (`npm run bench -- --storage`): client `index` sends to this JID, an
   * account that is never logged in, with a rule that notifies once the message is stored; a
   * message counts as delivered when its notify reply arrives, and its latency is the notify's.
   */
  readonly offlineRecipientOf?: ((index: number) => string) | undefined
  /** A PostgreSQL postmaster's pid: its and its children's CPU over the exchange is reported. */
  readonly databasePid?: number | undefined
  /**
   * The client that client `index` sends to (default: the next in the ring). The cluster bench
   * (bench/cluster/placement.ts) picks one on the same node or on another.
   */
  readonly recipientOf?: ((index: number) => number) | undefined
  /** More processes (cluster nodes, nats-server) whose CPU over the exchange is reported. */
  readonly cpuPids?: ReadonlyArray<number> | undefined
}

/** The measurements of one run. */
export interface LoadResult {
  readonly clients: number
  readonly loginSeconds: number
  readonly messagesSent: number
  readonly messagesDelivered: number
  /** XEP-0079 notify replies the senders got (AMP mode; 0 otherwise). */
  readonly ampNotifications: number
  readonly exchangeSeconds: number
  readonly deliveredPerSecond: number
  readonly latencyP50Milliseconds: number
  readonly latencyP99Milliseconds: number
  readonly latencyMaxMilliseconds: number
  /** With `sliceSeconds`: p99 of the messages sent in each slice, in order. */
  readonly latencyP99BySlice: ReadonlyArray<number>
  readonly serverRssBeforeKiB: number
  readonly serverRssIdleKiB: number
  readonly serverRssPerIdleSessionKiB: number
  readonly serverPeakRssKiB: number
  readonly serverCpuMillisecondsPer1000Messages: number
  /** With `databasePid`: the database processes' CPU over the exchange per 1000 messages. */
  readonly databaseCpuMillisecondsPer1000Messages: number
  /** With `cpuPids`: each one's CPU (utime + stime) over the exchange per 1000 messages, in order. */
  readonly processCpuMillisecondsPer1000Messages: ReadonlyArray<number>
  /** With `cpuPids`: each one's read- and write-family system calls over the exchange per message. */
  readonly processSyscallsPerMessage: ReadonlyArray<number>
  /** The server's read- and write-family system calls during the exchange, per message. */
  readonly serverSyscallsPerMessage: number
  /** The generator's own CPU use during the exchange, in % of one core (user + system). */
  readonly generatorCpuPercent: number
  /**
   * The generator's own garbage-collection pauses during the exchange (total and longest, ms):
   * a pause delays the receipt times it takes, so it shows in every server's latency.
   */
  readonly generatorGcPauseMilliseconds: { readonly total: number; readonly longest: number }
  /** Start and end of the exchange on the system's monotonic clock (µs), to cut CPU profiles. */
  readonly exchangeMonotonicMicroseconds: readonly [number, number]
  readonly failures: ReadonlyArray<string>
}

const now = (): number => performance.timeOrigin + performance.now()

/** The value at quantile `q` (0–1) of sorted `values`. */
export const quantile = (sorted: Float64Array, q: number): number =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN)

/** The p99 latency of the messages sent in each `sliceMilliseconds` after `start`. */
const p99BySlice = (
  sendStamps: Float64Array,
  latencies: Float64Array,
  delivered: number,
  start: number,
  sliceMilliseconds: number,
): Array<number> => {
  const slices: Array<Array<number>> = []
  for (let index = 0; index < delivered; index++) {
    const slice = Math.max(
      0,
      Math.floor(((sendStamps[index] ?? start) - start) / sliceMilliseconds),
    )
    while (slices.length <= slice) slices.push([])
    slices[slice]?.push(latencies[index] ?? Number.NaN)
  }
  return slices.map((values) => quantile(Float64Array.from(values).sort(), 0.99))
}

const padding = " lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor"

/** Logs `count` clients in with at most `concurrency` handshakes at a time. */
const loginAll = async (
  options: LoadOptions,
  failures: Array<string>,
): Promise<Array<{ client: LoadClient; jid: string }>> => {
  const sessions = new Array<{ client: LoadClient; jid: string }>(options.clients)
  let nextIndex = 0
  const worker = async () => {
    while (nextIndex < options.clients) {
      const index = nextIndex++
      const session = await options.login(index)
      session.client.onFailure = (reason) => failures.push(`client ${index}: ${reason}`)
      sessions[index] = session
    }
  }
  await Promise.all(
    Array.from({ length: Math.min(options.loginConcurrency, options.clients) }, worker),
  )
  return sessions
}

/** Runs the whole load and measures it. */
export const runLoad = async (options: LoadOptions): Promise<LoadResult> => {
  const failures: Array<string> = []
  const pid = options.serverPid
  const memory = () =>
    pid === undefined ? { rssKiB: Number.NaN, peakRssKiB: Number.NaN } : memoryOf(pid)
  /** Median of five RSS samples 200 ms apart: steadier than one sample across GC cycles. */
  const settledRss = async (): Promise<number> => {
    const samples: Array<number> = []
    for (let sample = 0; sample < 5; sample++) {
      samples.push(memory().rssKiB)
      await sleep(200)
    }
    return samples.sort((a, b) => a - b)[2] ?? Number.NaN
  }
  await sleep(options.settleMilliseconds)
  const before = await settledRss()

  const loginStart = now()
  const sessions = await loginAll(options, failures)
  const loginSeconds = (now() - loginStart) / 1000
  await sleep(options.settleMilliseconds)
  const idle = await settledRss()

  const total = options.clients * options.messagesPerClient
  const latencies = new Float64Array(total)
  const sendStamps = new Float64Array(total)
  /** The send time of message `sequence` of client `index`, at `index * messagesPerClient + sequence`. */
  const sentAt = new Float64Array(total)
  const offline = options.offlineRecipientOf
  const sent = new Uint32Array(options.clients)
  const inFlight = new Uint32Array(options.clients)
  let delivered = 0
  let notified = 0
  const expectsNotify = options.expectAmpNotifications === true
  const done = () => delivered === total && (!expectsNotify || notified === total)
  let lastDelivery = 0
  let finish: () => void = () => undefined
  const finished = new Promise<void>((resolve) => {
    finish = resolve
  })
  sessions.forEach(({ client }) => {
    client.onMessageBody = (body) => {
      const [sender, , stamp] = body.split(" ", 3)
      const received = now()
      const sentAt = Number(stamp)
      sendStamps[delivered] = sentAt
      latencies[delivered++] = received - sentAt
      lastDelivery = received
      const senderIndex = Number(sender)
      inFlight[senderIndex] = (inFlight[senderIndex] ?? 1) - 1
      if (done()) finish()
    }
    client.onAmpNotify = (id) => {
      notified++
      const received = now()
      lastDelivery = received
      if (offline !== undefined) {
        // The notify of a stored message: it stands for the delivery (id "index-sequence").
        const [sender = "", sequence = ""] = (id ?? "").split("-")
        const senderIndex = Number(sender)
        const sendTime = sentAt[senderIndex * options.messagesPerClient + Number(sequence)]
        if (sendTime === undefined || id === undefined) {
          failures.push(`a notify reply with an unknown id: ${id}`)
          return
        }
        sendStamps[delivered] = sendTime
        latencies[delivered++] = received - sendTime
        inFlight[senderIndex] = (inFlight[senderIndex] ?? 1) - 1
      }
      if (done()) finish()
    }
  })

  const generatorGc = { total: 0, longest: 0 }
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      generatorGc.total += entry.duration
      generatorGc.longest = Math.max(generatorGc.longest, entry.duration)
    }
  })
  gcObserver.observe({ entryTypes: ["gc"] })

  let peak = memory().peakRssKiB
  const signal = () => {
    if (options.signalServer === true && pid !== undefined) process.kill(pid, "SIGUSR2")
    for (const signalled of options.signalPids ?? []) process.kill(signalled, "SIGUSR2")
  }
  signal()
  const cpuBefore = pid === undefined ? Number.NaN : cpuMillisecondsOf(pid)
  const syscallsBefore = pid === undefined ? Number.NaN : syscallsOf(pid)
  const databasePid = options.databasePid
  const databaseCpuBefore =
    databasePid === undefined ? Number.NaN : treeCpuMillisecondsOf(databasePid)
  const cpuPids = options.cpuPids ?? []
  const processCpuBefore = cpuPids.map(cpuMillisecondsOf)
  const processSyscallsBefore = cpuPids.map(syscallsOf)
  const generatorCpuBefore = process.cpuUsage()
  const monotonicStart = Number(process.hrtime.bigint() / 1000n)
  const exchangeStart = now()
  // Client i starts i/N of a period late, so the sends spread evenly instead of in bursts.
  const period = 1000 / options.ratePerClient
  const tick = () => {
    const elapsed = now() - exchangeStart
    sessions.forEach(({ client }, index) => {
      const offset = (index / options.clients) * period
      if (elapsed < offset) return
      const allowedByRate = Math.min(
        options.messagesPerClient,
        Math.floor((elapsed - offset) / period) + 1,
      )
      const recipient = options.recipientOf?.(index) ?? (index + 1) % options.clients
      const peer = offline?.(index) ?? sessions[recipient]?.jid ?? ""
      while ((sent[index] ?? 0) < allowedByRate && (inFlight[index] ?? 0) < options.window) {
        const sequence = sent[index] ?? 0
        const sendTime = now()
        sentAt[index * options.messagesPerClient + sequence] = sendTime
        client.sendChat(
          peer,
          `${index}-${sequence}`,
          `${index} ${sequence} ${sendTime.toFixed(3)}${padding}`,
        )
        sent[index] = sequence + 1
        inFlight[index] = (inFlight[index] ?? 0) + 1
      }
    })
  }
  const sender = setInterval(tick, 2)
  const sampler = setInterval(() => {
    peak = Math.max(peak, memory().rssKiB)
  }, 100)
  tick()
  const cancelTimeout = new AbortController()
  const timeout = sleep(options.timeoutMilliseconds, undefined, {
    signal: cancelTimeout.signal,
  }).then(
    () => failures.push(`timed out with ${total - delivered} of ${total} messages undelivered`),
    () => undefined,
  )
  await Promise.race([finished, timeout])
  cancelTimeout.abort()
  clearInterval(sender)
  clearInterval(sampler)
  gcObserver.disconnect()
  signal()
  const cpuAfter = pid === undefined ? Number.NaN : cpuMillisecondsOf(pid)
  const syscallsAfter = pid === undefined ? Number.NaN : syscallsOf(pid)
  const databaseCpuAfter =
    databasePid === undefined ? Number.NaN : treeCpuMillisecondsOf(databasePid)
  const processCpuAfter = cpuPids.map(cpuMillisecondsOf)
  const processSyscallsAfter = cpuPids.map(syscallsOf)
  const generatorCpu = process.cpuUsage(generatorCpuBefore)
  const exchangeWallMilliseconds = now() - exchangeStart
  const monotonicEnd = Number(process.hrtime.bigint() / 1000n)
  const exchangeSeconds = ((delivered === 0 ? now() : lastDelivery) - exchangeStart) / 1000
  const dumpFile = process.env.BENCH_LATENCY_DUMP
  if (dumpFile !== undefined && dumpFile !== "")
    dumpLatencies(dumpFile, exchangeStart, sendStamps, latencies, delivered)
  const latencyP99BySlice =
    options.sliceSeconds === undefined
      ? []
      : p99BySlice(sendStamps, latencies, delivered, exchangeStart, options.sliceSeconds * 1000)
  const sorted = latencies.subarray(0, delivered).sort()
  const peakRss = Math.max(peak, memory().peakRssKiB)

  await Promise.all(sessions.map(({ client }) => client.close()))
  return {
    clients: options.clients,
    loginSeconds,
    messagesSent: sent.reduce((sum, count) => sum + count, 0),
    messagesDelivered: delivered,
    ampNotifications: notified,
    exchangeSeconds,
    deliveredPerSecond: delivered / exchangeSeconds,
    latencyP50Milliseconds: quantile(sorted, 0.5),
    latencyP99Milliseconds: quantile(sorted, 0.99),
    latencyMaxMilliseconds:
      sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] ?? Number.NaN),
    latencyP99BySlice,
    serverRssBeforeKiB: before,
    serverRssIdleKiB: idle,
    serverRssPerIdleSessionKiB: (idle - before) / options.clients,
    serverPeakRssKiB: peakRss,
    serverCpuMillisecondsPer1000Messages: ((cpuAfter - cpuBefore) * 1000) / Math.max(1, delivered),
    databaseCpuMillisecondsPer1000Messages:
      ((databaseCpuAfter - databaseCpuBefore) * 1000) / Math.max(1, delivered),
    processCpuMillisecondsPer1000Messages: processCpuAfter.map(
      (after, index) =>
        ((after - (processCpuBefore[index] ?? Number.NaN)) * 1000) / Math.max(1, delivered),
    ),
    processSyscallsPerMessage: processSyscallsAfter.map(
      (after, index) =>
        (after - (processSyscallsBefore[index] ?? Number.NaN)) / Math.max(1, delivered),
    ),
    serverSyscallsPerMessage: (syscallsAfter - syscallsBefore) / Math.max(1, delivered),
    generatorCpuPercent:
      (100 * (generatorCpu.user + generatorCpu.system)) / 1000 / exchangeWallMilliseconds,
    generatorGcPauseMilliseconds: generatorGc,
    exchangeMonotonicMicroseconds: [monotonicStart, monotonicEnd],
    failures,
  }
}
