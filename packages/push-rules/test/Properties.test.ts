// Property tests of the push rules' guarantees over random host event streams: never two pushes
// of one stanza to one registration, never a push to a disabled registration, and never more
// unanswered pushes than the settings allow.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  createPushState,
  inFlightPushCount,
  type PushDecision,
  type PushEvent,
  type PushOutcome,
  type PushSettings,
  reducePush,
  type StoredRegistration,
} from "../src/index.js"
import { chat, composing, presence } from "./support/stanzas.js"
import { disableIq, enableIq } from "./support/timeline.js"

const users = ["juliet@example.org", "romeo@example.com"] as const
const sessions = ["s1", "s2", "s3", "s4"] as const
const nodes = ["n1", "n2", "n3"] as const
const services = ["push.example.net", "push.example.org"] as const
const stanzaIds = Array.from({ length: 12 }, (_, index) => `m${index}`)

const userOfSession = (session: string): string => users[Number(session.slice(1)) % 2] ?? users[0]

const stanzaFor = (id: string, kind: number, user: string) =>
  kind === 0
    ? composing("nurse@example.org", user)
    : kind === 1
      ? presence("nurse@example.org", user)
      : chat("nurse@example.org", user, id)

const outcomes: readonly PushOutcome[] = [
  { type: "result" },
  { type: "timeout" },
  { type: "error", errorType: "wait" },
  { type: "error", errorType: "cancel" },
]

/** A random host event; `answer` picks among pushes sent so far, resolved while replaying. */
type Step =
  | { readonly kind: "event"; readonly event: PushEvent }
  | { readonly kind: "answer"; readonly pick: number; readonly outcome: PushOutcome }

const stepArbitrary = (
  withRegistrationChanges: boolean,
): fc.Arbitrary<{ delay: number; step: Step }> => {
  const session = fc.constantFrom(...sessions)
  const id = fc.constantFrom(...stanzaIds)
  const stanzaKind = fc.integer({ min: 0, max: 3 })
  const queue = fc.array(fc.tuple(id, stanzaKind), { maxLength: 4 })
  const events: fc.Arbitrary<Step>[] = [
    session.map((s) => ({
      kind: "event",
      event: { type: "session-opened", session: s, jid: `${userOfSession(s)}/${s}` },
    })),
    fc.tuple(session, id, stanzaKind).map(([s, i, k]) => ({
      kind: "event",
      event: {
        type: "stanza-queued",
        session: s,
        id: i,
        stanza: stanzaFor(i, k, userOfSession(s)),
      },
    })),
    fc.tuple(session, queue, fc.boolean()).map(([s, q, hibernate]) => ({
      kind: "event",
      event: {
        type: hibernate ? "session-hibernated" : "session-ack-delayed",
        session: s,
        queue: q.map(([i, k]) => ({ id: i, stanza: stanzaFor(i, k, userOfSession(s)) })),
      },
    })),
    fc
      .tuple(session, fc.constantFrom("session-acked", "session-resumed", "session-gone"))
      .map(([s, type]) => ({
        kind: "event",
        event: { type, session: s },
      })),
    fc
      .tuple(session, fc.constantFrom("active", "inactive") as fc.Arbitrary<"active" | "inactive">)
      .map(([s, state]) => ({
        kind: "event",
        event: { type: "client-state-changed", session: s, state },
      })),
    fc
      .tuple(fc.constantFrom(...users), id, stanzaKind, fc.boolean())
      .map(([user, i, k, archive]) => ({
        kind: "event",
        event: {
          type: archive ? "message-archived" : "message-stored-offline",
          user,
          id: i,
          stanza: stanzaFor(i, k, user),
        },
      })),
    fc.constant({ kind: "event", event: { type: "clock-ticked" } }),
    fc
      .tuple(fc.nat(), fc.constantFrom(...outcomes))
      .map(([pick, outcome]) => ({ kind: "answer", pick, outcome })),
  ]
  if (withRegistrationChanges) {
    events.push(
      fc
        .tuple(session, fc.constantFrom(...services), fc.constantFrom(...nodes))
        .map(([s, service, node]) => ({
          kind: "event",
          event: {
            type: "enable-requested",
            session: s,
            user: `${userOfSession(s)}/${s}`,
            iq: enableIq(service, node),
          },
        })),
      fc
        .tuple(
          session,
          fc.constantFrom(...services),
          fc.option(fc.constantFrom(...nodes), { nil: undefined }),
        )
        .map(([s, service, node]) => ({
          kind: "event",
          event: {
            type: "disable-requested",
            session: s,
            user: `${userOfSession(s)}/${s}`,
            iq: disableIq(service, node),
          },
        })),
    )
  }
  return fc.record({ delay: fc.integer({ min: 0, max: 1_500 }), step: fc.oneof(...events) })
}

const initialRegistrations: StoredRegistration[] = users.flatMap((user) =>
  nodes.map((node) => ({ user, service: services[0], node, lastUsed: 0, errorCount: 0 })),
)

const settingsArbitrary: fc.Arbitrary<Partial<PushSettings>> = fc.record({
  coalescingWindowMs: fc.constantFrom(0, 1_000),
  maxInFlightPerRegistration: fc.integer({ min: 1, max: 3 }),
  maxInFlightTotal: fc.integer({ min: 1, max: 8 }),
  maxErrors: fc.integer({ min: 1, max: 4 }),
  pushTimeoutMs: fc.constantFrom(2_000, 60_000),
  maxDevices: fc.integer({ min: 1, max: 4 }),
})

const keyOf = (registration: StoredRegistration) =>
  `${registration.user} ${registration.service} ${registration.node}`

interface SentPush {
  /** The registration, with a generation that changes when it is removed and enabled again. */
  readonly key: string
  readonly stanza: string
  readonly sentAt: number
  answered: boolean
}

/** Replays `steps` and checks `check` after every step. */
const replay = (
  settings: Partial<PushSettings>,
  steps: readonly { delay: number; step: Step }[],
  check: (context: {
    decisions: readonly PushDecision[]
    now: number
    sent: readonly SentPush[]
    state: ReturnType<typeof createPushState>
  }) => void,
): void => {
  let state = createPushState(settings, initialRegistrations)
  let now = 0
  const sent: SentPush[] = []
  const generations = new Map<string, number>()
  for (const { delay, step } of steps) {
    now += delay
    let event: PushEvent
    if (step.kind === "answer") {
      const target = sent.filter((push) => !push.answered)[step.pick % Math.max(1, sent.length)]
      if (target === undefined) continue
      target.answered = true
      event = {
        type: "push-answered",
        pushId: `push-${sent.indexOf(target) + 1}`,
        outcome: step.outcome,
      }
    } else {
      event = step.event
    }
    const result = reducePush(state, event, now)
    state = result.state
    for (const decision of result.decisions) {
      if (decision.type === "registration-removed") {
        const key = keyOf(decision.registration)
        generations.set(key, (generations.get(key) ?? 0) + 1)
      }
      if (decision.type === "push") {
        const key = `${decision.user} ${decision.service} ${decision.node}`
        sent.push({
          key: `${key} #${generations.get(key) ?? 0}`,
          stanza: decision.latestStanzaId,
          sentAt: now,
          answered: false,
        })
      }
    }
    check({ decisions: result.decisions, now, sent, state })
  }
}

describe("push rule properties", () => {
  it("never pushes one stanza twice to one registration", () => {
    let pushesSeen = 0
    fc.assert(
      fc.property(fc.array(stepArbitrary(false), { maxLength: 60 }), (steps) => {
        const settings = {
          coalescingWindowMs: 0,
          maxInFlightPerRegistration: 1_000,
          maxInFlightTotal: 100_000,
          maxErrors: 1_000,
        }
        const pairs = new Set<string>()
        replay(settings, steps, ({ decisions }) => {
          for (const decision of decisions) {
            if (decision.type !== "push") continue
            pushesSeen += 1
            expect(decision.stanzaCount).toBe(1)
            const pair = `${decision.user} ${decision.service} ${decision.node} ${decision.latestStanzaId}`
            expect(pairs.has(pair)).toBe(false)
            pairs.add(pair)
          }
        })
      }),
      { numRuns: 300 },
    )
    expect(pushesSeen).toBeGreaterThan(100)
  })

  it("never pushes more stanzas to a registration than it was offered, whatever the window", () => {
    fc.assert(
      fc.property(
        settingsArbitrary,
        fc.array(stepArbitrary(false), { maxLength: 60 }),
        (settings, steps) => {
          replay({ ...settings, maxErrors: 1_000 }, steps, ({ decisions }) => {
            const perRegistration = new Map<string, number>()
            for (const decision of decisions) {
              if (decision.type !== "push") continue
              const key = `${decision.user} ${decision.node}`
              perRegistration.set(key, (perRegistration.get(key) ?? 0) + decision.stanzaCount)
            }
            for (const count of perRegistration.values())
              expect(count).toBeLessThanOrEqual(stanzaIds.length)
          })
        },
      ),
      { numRuns: 200 },
    )
  })

  it("never pushes to a registration that was disabled, evicted or removed after errors", () => {
    let removals = 0
    let pushesSeen = 0
    fc.assert(
      fc.property(
        settingsArbitrary,
        fc.array(stepArbitrary(true), { maxLength: 80 }),
        (settings, steps) => {
          const alive = new Set(initialRegistrations.map(keyOf))
          replay(settings, steps, ({ decisions }) => {
            for (const decision of decisions) {
              if (decision.type === "registration-saved") alive.add(keyOf(decision.registration))
              if (decision.type === "registration-removed") {
                removals += 1
                alive.delete(keyOf(decision.registration))
              }
              if (decision.type === "push") {
                pushesSeen += 1
                expect(alive.has(`${decision.user} ${decision.service} ${decision.node}`)).toBe(
                  true,
                )
              }
            }
          })
        },
      ),
      { numRuns: 300 },
    )
    expect(removals).toBeGreaterThan(50)
    expect(pushesSeen).toBeGreaterThan(100)
  })

  it("never has more unanswered pushes in flight than the settings allow", () => {
    let fullSlots = 0
    fc.assert(
      fc.property(
        settingsArbitrary,
        fc.array(stepArbitrary(true), { maxLength: 80 }),
        (settings, steps) => {
          const limits = {
            maxInFlightPerRegistration: 4,
            maxInFlightTotal: 10_000,
            pushTimeoutMs: 60_000,
            ...settings,
          }
          replay(settings, steps, ({ now, sent, state }) => {
            expect(inFlightPushCount(state)).toBeLessThanOrEqual(limits.maxInFlightTotal)
            const live = sent.filter(
              (push) => !push.answered && push.sentAt + limits.pushTimeoutMs > now,
            )
            expect(live.length).toBeLessThanOrEqual(limits.maxInFlightTotal)
            const perRegistration = new Map<string, number>()
            for (const push of live)
              perRegistration.set(push.key, (perRegistration.get(push.key) ?? 0) + 1)
            for (const count of perRegistration.values()) {
              expect(count).toBeLessThanOrEqual(limits.maxInFlightPerRegistration)
              if (count === limits.maxInFlightPerRegistration) fullSlots += 1
            }
          })
        },
      ),
      { numRuns: 300 },
    )
    expect(fullSlots).toBeGreaterThan(0)
  })
})
