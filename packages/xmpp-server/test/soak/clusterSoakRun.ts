// The cluster soak run (issue 23 item 4, spec/cluster.md guarantees 5 and 6): three server nodes
// on one PostgreSQL and a private nats-server (test/helpers/clusterBed.ts), stream-managed users
// spread over them sending chat messages at a bounded rate while seeded faults hit them —
// drops then resumption on a DIFFERENT node, new sessions and clean logouts on a random node,
// time away long enough for the session to end — and one node SIGKILLed a third of the way in
// and started again at two thirds. Its clients then resume elsewhere (which must fail with
// `item-not-found`) and start new sessions; what it held reaches them from offline storage.
// Every resumption attempt is classified by who held the session (SoakLedger judges delivery).
import { appendFileSync } from "node:fs"
import type { ClusterBed, ClusterNode } from "../helpers/clusterBed.js"
import { startClusterBed } from "../helpers/clusterBed.js"
import { SoakClient } from "./SoakClient.js"
import { SoakLedger, type Verdict } from "./SoakLedger.js"
import { messageLoad, pause, seededRandom, waitUntil } from "./soakSchedule.js"

/** What a run does. */
export interface ClusterSoakOptions {
  readonly seed: number
  readonly users: number
  readonly messages: number
  /** Messages per second over all users. */
  readonly rate: number
  /** Mean pause between two faults (ms). */
  readonly faultEvery: number
  /** `[modules.stream_management] resume_timeout` (s). */
  readonly resumeTimeout: number
  readonly log: (line: string) => void
  /** The test's time limit (ms): the node logs are written shortly before it, if still running. */
  readonly limitMs: number
}

/**
 * One `<resume/>` and its answer. `expected`: "resumed" when the node that held the session
 * ran all along and the client was away for less than `resume_timeout`; "item-not-found" when
 * that node was killed since; "either" when the session may have timed out.
 */
export interface ResumeAttempt {
  readonly user: string
  readonly previd: string
  readonly heldBy: string
  readonly on: string
  readonly awayMs: number
  readonly expected: "resumed" | "item-not-found" | "either"
  readonly outcome: string
}

/** What a run measured. */
export interface ClusterSoakResult {
  readonly verdict: Verdict
  readonly resumes: ReadonlyArray<ResumeAttempt>
  readonly freshSessions: number
  readonly faults: Readonly<Record<string, number>>
  readonly impossibleAcks: number
  readonly unackedAtEnd: Readonly<Record<string, number>>
  readonly killed: string
  /** The node the first survivor's `cluster-node-down` named. */
  readonly detectedNode: unknown
  /** From the SIGKILL to the first survivor's `cluster-node-down` (ms), and the recovery line. */
  readonly detectedAfterMs: number
  readonly recovery: Readonly<Record<string, unknown>>
  /** Acknowledged messages that had not arrived before the final re-login round. */
  readonly arrivedOnlyAtFinalLogin: number
  readonly seconds: number
}

const password = "soak-pass"

/** Where a client's session lives: the node, and how often that node had been killed then. */
interface Holder {
  readonly node: ClusterNode
  readonly kills: number
}

/** Runs one cluster soak; the caller asserts on the result. */
export const runClusterSoak = async (options: ClusterSoakOptions): Promise<ClusterSoakResult> => {
  const started = Date.now()
  const random = seededRandom(options.seed)
  const pick = <T>(items: ReadonlyArray<T>): T => items[Math.floor(random() * items.length)] as T
  const names = Array.from({ length: options.users }, (_, index) => `csoak${index + 1}`)
  const ledger = new SoakLedger()
  const clients = names.map((name) => new SoakClient(name, password, ledger))
  const faults: Record<string, number> = {}
  const resumes: Array<ResumeAttempt> = []
  const holders = new Map<SoakClient, Holder>()
  const droppedAt = new Map<SoakClient, number>()
  const kills = new Map<string, number>()
  let down: ClusterNode | undefined
  let stopping = false
  let bed: ClusterBed | undefined

  const live = (): ReadonlyArray<ClusterNode> =>
    (bed?.nodes ?? []).filter((node) => node !== down && node.running())
  const lose = (client: SoakClient, how: "drop" | "logout"): void => {
    droppedAt.set(client, Date.now())
    if (how === "logout") client.logout()
    else client.drop()
  }
  /** Connects on a live node (never `avoid` while another runs), retrying while nodes change. */
  const bringOnline = async (
    client: SoakClient,
    mode: "resume" | "fresh",
    avoid?: ClusterNode,
  ): Promise<void> => {
    let lastError: unknown
    for (let attempt = 0; attempt < 80 && !stopping; attempt++) {
      const choices = live().filter((node) => node !== avoid)
      const nodes = choices.length > 0 ? choices : live()
      if (nodes.length > 0) {
        const node = pick(nodes)
        const holder = holders.get(client)
        const resuming = mode === "resume" && client.resumable
        const before = client.counts.resumed
        const previd = client.previd
        const awayMs = Date.now() - (droppedAt.get(client) ?? Date.now())
        client.lastResumeFailure = undefined
        try {
          await client.connect(node.ports.c2s, mode)
          if (resuming && holder !== undefined) {
            const killedSince = (kills.get(holder.node.name) ?? 0) !== holder.kills
            resumes.push({
              user: client.name,
              previd,
              heldBy: holder.node.name,
              on: node.name,
              awayMs,
              expected: killedSince
                ? "item-not-found"
                : awayMs < options.resumeTimeout * 1000
                  ? "resumed"
                  : "either",
              outcome:
                client.counts.resumed > before
                  ? "resumed"
                  : (client.lastResumeFailure ?? "(no <resumed/> nor <failed/>)"),
            })
          }
          holders.set(client, { node, kills: kills.get(node.name) ?? 0 })
          return
        } catch (error) {
          // The node went down meanwhile, or was too slow: try again (maybe elsewhere).
          lastError = error
        }
      }
      await pause(250)
    }
    if (!stopping) throw new Error(`${client.name} could not connect: ${String(lastError)}`)
  }

  const inFault = new Set<SoakClient>()
  const faultTasks = new Set<Promise<void>>()
  /** One seeded fault on one online client; resolves once it is back online. */
  const fault = async (client: SoakClient): Promise<void> => {
    const roll = random()
    const kind =
      roll < 0.5
        ? "drop-resume-elsewhere"
        : roll < 0.65
          ? "drop-new-session"
          : roll < 0.85
            ? "away"
            : "logout"
    faults[kind] = (faults[kind] ?? 0) + 1
    const from = holders.get(client)?.node
    lose(client, kind === "logout" ? "logout" : "drop")
    const away =
      kind === "drop-resume-elsewhere" || kind === "drop-new-session"
        ? 50 + random() * 400
        : kind === "away"
          ? options.resumeTimeout * 1000 + 500 + random() * 1500
          : 300 + random() * 2000
    await pause(away)
    if (kind === "drop-resume-elsewhere") await bringOnline(client, "resume", from)
    else await bringOnline(client, kind === "drop-new-session" ? "fresh" : "resume")
  }
  /** Faults until `until()`; also brings back clients a node's death cut off. */
  const runFaults = async (until: () => boolean): Promise<void> => {
    while (!until()) {
      await pause(options.faultEvery * (0.5 + random()))
      for (const client of clients)
        if (client.state === "offline" && !inFault.has(client)) start(client, reconnect(client))
      const candidates = clients.filter(
        (client) => client.state === "online" && !inFault.has(client),
      )
      if (candidates.length === 0 || until()) continue
      const client = pick(candidates)
      start(client, fault(client))
    }
    await Promise.all([...faultTasks])
  }
  /** A client whose node died under it: it tries to resume elsewhere after a moment. */
  const reconnect = async (client: SoakClient): Promise<void> => {
    faults["node-died-under-it"] = (faults["node-died-under-it"] ?? 0) + 1
    droppedAt.set(client, Date.now())
    await pause(random() * 500)
    await bringOnline(client, "resume")
  }
  const start = (client: SoakClient, work: Promise<void>): void => {
    inFault.add(client)
    const task = work.finally(() => {
      inFault.delete(client)
      faultTasks.delete(task)
    })
    faultTasks.add(task)
  }

  const load = messageLoad(clients, random, options.rate)
  const serverLog = process.env.SOAK_SERVER_LOG
  let logWritten = false
  const writeServerLog = (): void => {
    if (serverLog === undefined || bed === undefined || logWritten) return
    logWritten = true
    for (const node of bed.nodes)
      appendFileSync(serverLog, [...node.earlierLogs(), node.log()].join(`\n--- ${node.name}\n`))
  }
  // A run that hangs past the test's limit never reaches `finally`: its logs are written first.
  const watchdog = setTimeout(writeServerLog, options.limitMs - 5_000)
  try {
    bed = await startClusterBed({
      nodes: 3,
      start: false,
      extraToml: [
        "[modules.stream_management]",
        `resume_timeout = ${options.resumeTimeout}`,
        // Far beyond the run: the server asks `<r/>` again only after an `<a/>` answered the
        // previous one, which is how a client knows its ack was processed (SoakLedger).
        "ack_timeout = 3600",
      ],
    })
    // A running node learns accounts only through its own creates: add them before the start.
    await bed.addUsers(names, password)
    await Promise.all(bed.nodes.map((node) => node.start()))
    const nodes = bed.nodes
    // Spread the users over the nodes, round robin.
    await Promise.all(
      clients.map(async (client, index) => {
        const node = nodes[index % nodes.length] as ClusterNode
        await client.connect(node.ports.c2s, "fresh")
        holders.set(client, { node, kills: 0 })
      }),
    )
    options.log(`cluster soak seed=${options.seed}: ${clients.length} users online on 3 nodes`)

    let loading = true
    const faulting = runFaults(() => !loading)
    await load.sendUpTo(Math.floor(options.messages / 3))
    const victim = pick(nodes)
    down = victim
    const killedAt = Date.now()
    kills.set(victim.name, (kills.get(victim.name) ?? 0) + 1)
    await victim.kill("SIGKILL")
    options.log(`SIGKILL ${victim.name} after ${load.sent} sent, ${ledger.ackedCount} acked`)
    const survivors = nodes.filter((node) => node !== victim)
    await load.sendUpTo(Math.floor((options.messages * 2) / 3))
    const detected = await Promise.any(
      survivors.map((node) => node.waitForEvent("cluster-node-down", { timeoutMs: 30_000 })),
    )
    const recovery = await Promise.any(
      survivors.map((node) => node.waitForEvent("cluster-node-recovered", { timeoutMs: 30_000 })),
    )
    await victim.start()
    down = undefined
    options.log(`restarted ${victim.name} after ${load.sent} sent`)
    await load.sendUpTo(options.messages)
    loading = false
    await faulting

    // Everyone back online; wait until every sender's messages are acknowledged and arrived.
    const leftOffline = clients.filter((client) => client.state !== "online")
    await Promise.all(leftOffline.map((client) => bringOnline(client, "resume")))
    for (const client of clients) client.requestAck()
    await waitUntil(() => clients.every((client) => client.unacknowledged === 0), 30_000)
    const unackedAtEnd = Object.fromEntries(
      clients
        .filter((client) => client.unacknowledged > 0)
        .map((client) => [client.name, client.unacknowledged]),
    )
    await waitUntil(() => ledger.allAckedDelivered(), 20_000)
    // XEP-0160 hands offline messages over at initial presence: a message that went to offline
    // storage while its user was online (a dead node's rows recovered after the user's new
    // session had started) waits for the next login. One last round of clean logouts and new
    // sessions fetches them; how many needed it is reported.
    const missingBefore = ledger.verdict().lost.length
    for (const client of clients) lose(client, "logout")
    await pause(500)
    await Promise.all(clients.map((client) => bringOnline(client, "fresh")))
    await waitUntil(() => ledger.allAckedDelivered(), 20_000)
    let seen = -1
    await waitUntil(() => {
      const quiet = seen === ledger.received
      seen = ledger.received
      return quiet
    }, 10_000)
    const verdict = ledger.verdict()
    const sum = (key: "freshSessions" | "impossibleAcks") =>
      clients.reduce((total, client) => total + client.counts[key], 0)
    return {
      verdict,
      resumes,
      freshSessions: sum("freshSessions"),
      faults,
      impossibleAcks: sum("impossibleAcks"),
      unackedAtEnd,
      killed: victim.name,
      detectedNode: detected.node,
      detectedAfterMs: Date.parse(String(detected.time)) - killedAt,
      recovery: { node: recovery.node, recovered: recovery.recovered },
      arrivedOnlyAtFinalLogin: missingBefore - verdict.lost.length,
      seconds: (Date.now() - started) / 1000,
    }
  } finally {
    stopping = true
    clearTimeout(watchdog)
    for (const client of clients) client.drop()
    writeServerLog()
    await bed?.stop()
  }
}
