// `npm run bench`: throughput of the XEP-0357 push rules over 10,000 registered users, against a
// baseline measured in the same run (classifying the same stanzas, the least any push rule engine
// must do), and the state's memory per registration.
import type { Element } from "@xmpp/xml"
import {
  classifyStanza,
  createPushState,
  inFlightPushCount,
  type PushEvent,
  type PushState,
  reducePush,
  type StoredRegistration,
} from "../src/index.js"
import { chat, composing, omemo, presence } from "../test/support/stanzas.js"
import { enableIq } from "../test/support/timeline.js"

const userCount = 10_000
const eventCount = 400_000
const service = "push.example.net"
const userOf = (index: number) => `user${index}@example.org`

const collectGarbage = (): void => {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
}

const heapUsed = (): number => {
  collectGarbage()
  collectGarbage()
  return process.memoryUsage().heapUsed
}

/** Each user: a stored tablet registration, and a phone session with push enabled. */
const populatedState = (): { state: PushState; registrations: number } => {
  const stored: StoredRegistration[] = Array.from({ length: userCount }, (_, index) => ({
    user: userOf(index),
    service,
    node: `tablet-${index}`,
    lastUsed: 0,
    errorCount: 0,
  }))
  let state = createPushState({}, stored)
  for (let index = 0; index < userCount; index++) {
    const session = `phone-${index}`
    const jid = `${userOf(index)}/phone`
    state = reducePush(state, { type: "session-opened", session, jid }, 0).state
    const iq = enableIq(service, `phone-${index}`)
    state = reducePush(state, { type: "enable-requested", session, user: jid, iq }, 0).state
  }
  return { state, registrations: userCount * 2 }
}

/** A reproducible mix: messages, chat states, presences, OMEMO, sleeps, wakes and CSI. */
const mixedEvents = (): { events: PushEvent[]; stanzas: Element[] } => {
  let seed = 42
  const random = (limit: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return seed % limit
  }
  const pool = Array.from({ length: 64 }, (_, index) => {
    const to = userOf(index)
    const from = `friend${index}@example.com/laptop`
    return [
      chat(from, to, `hello ${index}`),
      composing(from, to),
      presence(from, to),
      omemo(from, to),
    ]
  }).flat()
  const events: PushEvent[] = []
  const stanzas: Element[] = []
  for (let index = 0; index < eventCount; index++) {
    const user = random(userCount)
    const session = `phone-${user}`
    const stanza = pool[random(pool.length)] as Element
    const id = `s${index}`
    const roll = random(100)
    if (roll < 35) events.push({ type: "stanza-queued", session, id, stanza })
    else if (roll < 55) events.push({ type: "message-archived", user: userOf(user), id, stanza })
    else if (roll < 65)
      events.push({ type: "message-stored-offline", user: userOf(user), id, stanza })
    else if (roll < 75)
      events.push({ type: "session-hibernated", session, queue: [{ id, stanza }] })
    else if (roll < 82) events.push({ type: "session-resumed", session })
    else if (roll < 90) {
      const state = random(2) === 0 ? "active" : "inactive"
      events.push({ type: "client-state-changed", session, state })
    } else if (roll < 95)
      events.push({ type: "session-ack-delayed", session, queue: [{ id, stanza }] })
    else events.push({ type: "clock-ticked" })
    if (roll < 75 || (roll >= 90 && roll < 95)) stanzas.push(stanza)
  }
  return { events, stanzas }
}

/** Replays `events` (time: 1 ms per 20 events), answering each push; returns decision count. */
const runRules = (state: PushState, events: readonly PushEvent[]): number => {
  let decisions = 0
  let current = state
  const unanswered: string[] = []
  for (let index = 0; index < events.length; index++) {
    const now = index / 20
    const step = reducePush(current, events[index] as PushEvent, now)
    current = step.state
    decisions += step.decisions.length
    for (const decision of step.decisions)
      if (decision.type === "push") unanswered.push(decision.pushId)
    if (unanswered.length > 64) {
      const pushId = unanswered.shift() as string
      decisions += reducePush(
        current,
        { type: "push-answered", pushId, outcome: { type: "result" } },
        now,
      ).decisions.length
    }
  }
  return decisions
}

const classifyAll = (stanzas: readonly Element[]): number => {
  let important = 0
  for (const stanza of stanzas) if (classifyStanza(stanza).important) important++
  return important
}

const time = <T>(run: () => T): { result: T; ms: number } => {
  collectGarbage()
  const start = performance.now()
  const result = run()
  return { result, ms: performance.now() - start }
}

/** The fastest of `rounds` timed runs, each on fresh input from `prepare`. */
const fastest = <I, T>(rounds: number, prepare: () => I, run: (input: I) => T) => {
  let best: { result: T; ms: number } | undefined
  for (let round = 0; round < rounds; round++) {
    const input = prepare()
    const timed = time(() => run(input))
    if (best === undefined || timed.ms < best.ms) best = timed
  }
  return best as { result: T; ms: number }
}

const format = (value: number): string => Math.round(value).toLocaleString("en-US")

const main = (): void => {
  if ((globalThis as { gc?: unknown }).gc === undefined) {
    console.log("(run with --expose-gc for exact memory figures)")
  }
  const { events, stanzas } = mixedEvents()
  runRules(populatedState().state, events.slice(0, 50_000))
  classifyAll(stanzas.slice(0, 50_000))

  const before = heapUsed()
  const { state, registrations } = populatedState()
  const afterSetup = heapUsed()
  runRules(state, events)
  const afterRun = heapUsed()

  const rounds = 3
  const baseline = fastest(rounds, () => stanzas, classifyAll)
  const rules = fastest(
    rounds,
    () => populatedState().state,
    (fresh) => runRules(fresh, events),
  )

  const eventsPerSecond = (events.length / rules.ms) * 1_000
  const decisionsPerSecond = (rules.result / rules.ms) * 1_000
  const classificationsPerSecond = (stanzas.length / baseline.ms) * 1_000
  console.log(`push-rules: ${format(userCount)} users (best of ${rounds} rounds)`)
  console.log(
    `  workload  ${format(registrations)} registrations, ${format(events.length)} mixed events carrying ${format(stanzas.length)} stanzas`,
  )
  console.log(
    `  baseline  classifyStanza only       ${format(classificationsPerSecond)} stanzas/s (${format(baseline.ms)} ms)`,
  )
  console.log(
    `  rules     reducePush                ${format(eventsPerSecond)} events/s, ${format(decisionsPerSecond)} decisions/s (${format(rules.ms)} ms, ${format(rules.result)} decisions)`,
  )
  console.log(
    `  ratio     reducePush / classify     ${(rules.ms / baseline.ms).toFixed(2)}× the time of classifying the same stream's stanzas alone`,
  )
  console.log(
    `  memory    after setup               ${format((afterSetup - before) / registrations)} bytes per registration (users and sessions included)`,
  )
  console.log(
    `  memory    after the event stream    ${format((afterRun - before) / registrations)} bytes per registration (dedupe memory and windows filled)`,
  )
  console.log(
    `  bounded   in flight at the end      ${inFlightPushCount(state)} (limit ${state.settings.maxInFlightTotal})`,
  )
}

main()
