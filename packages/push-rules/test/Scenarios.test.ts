// Realistic timelines replayed through the push rules, the way the server plugin will feed them:
// a phone that hibernates and resumes, a desktop online while the phone sleeps, and an app server
// that starts to fail. Each asserts what the host is asked to do, in order.
import { describe, expect, it } from "vitest"
import { type PushDecision, type PushEvent, registrationsOf } from "../src/index.js"
import { chat, composing, omemo, presence } from "./support/stanzas.js"
import { enableIq, openWithPush, timeline } from "./support/timeline.js"

const juliet = "juliet@example.org"
const service = "push.example.net"
const romeo = "romeo@example.com/orchard"

/** One line per decision, so that a whole story reads as a list. */
const story = (decisions: readonly PushDecision[]): string[] =>
  decisions.map((decision) => {
    switch (decision.type) {
      case "push":
        return `push ${decision.node} ${decision.important ? "important" : "unimportant"} ×${decision.stanzaCount} count=${decision.summary.messageCount}`
      case "reply":
        return `reply ${decision.iq.attrs.type}`
      case "registration-saved":
        return `saved ${decision.registration.node} errors=${decision.registration.errorCount}`
      case "registration-removed":
        return `removed ${decision.registration.node} (${decision.reason})`
      case "registration-bound":
        return `${decision.bound ? "bound" : "unbound"} ${decision.registration.node}`
      case "hibernation-timeout-extended":
        return `extend ${decision.session} ${decision.timeoutMs}`
      default:
        return `restore ${decision.session}`
    }
  })

const queued = (session: string, id: string, stanza = chat(romeo, juliet, id)): PushEvent => ({
  type: "stanza-queued",
  session,
  id,
  stanza,
})

describe("scenarios", () => {
  it("a phone goes to the background, loses its connection, gets pushes and resumes", () => {
    const run = timeline()
    openWithPush(run, 0, "phone", `${juliet}/phone`, service, "phone")
    run.at(1_000, { type: "client-state-changed", session: "phone", state: "inactive" })
    run.at(5_000, queued("phone", "p1", presence(romeo, juliet)))
    run.at(60_000, {
      type: "session-hibernated",
      session: "phone",
      queue: [
        { id: "p1", stanza: presence(romeo, juliet) },
        { id: "m1", stanza: chat(romeo, juliet, "Are you there?") },
      ],
    })
    run.at(60_200, queued("phone", "c1", composing(romeo, juliet)))
    run.at(60_400, queued("phone", "m2", omemo(romeo, juliet)))
    run.at(60_700, queued("phone", "m3"))
    run.at(61_000, { type: "clock-ticked" })
    run.at(61_500, { type: "push-answered", pushId: "push-1", outcome: { type: "result" } })
    run.at(61_600, { type: "push-answered", pushId: "push-2", outcome: { type: "result" } })
    run.at(75_000, { type: "session-resumed", session: "phone" })
    run.at(75_100, queued("phone", "m4"))
    run.at(80_000, { type: "client-state-changed", session: "phone", state: "active" })
    expect(story(run.decisions)).toEqual([
      "bound phone",
      "saved phone errors=0",
      "reply result",
      "extend phone 259200000",
      "push phone important ×1 count=1",
      "push phone important ×2 count=3",
    ])
  })

  it("a desktop is online while the phone sleeps and the tablet is off", () => {
    const run = timeline({}, [
      { user: juliet, service, node: "tablet", lastUsed: 0, errorCount: 0 },
    ])
    run.at(0, { type: "session-opened", session: "desktop", jid: `${juliet}/desktop` })
    openWithPush(run, 0, "phone", `${juliet}/phone`, service, "phone")
    run.at(1_000, { type: "session-hibernated", session: "phone", queue: [] })
    const message = chat(romeo, juliet, "Dinner?")
    const routed: PushEvent[] = [
      queued("desktop", "m1", message),
      queued("phone", "m1", message),
      { type: "message-archived", user: juliet, id: "m1", stanza: message },
    ]
    const decisions = routed.flatMap((event) => run.at(2_000, event))
    expect(story(decisions)).toEqual([
      "push phone important ×1 count=1",
      "push tablet important ×1 count=1",
    ])
    run.at(3_000, queued("desktop", "c1", composing(romeo, juliet)))
    run.at(3_000, {
      type: "message-archived",
      user: juliet,
      id: "c1",
      stanza: composing(romeo, juliet),
    })
    expect(story(run.decisions.slice(-1))).toEqual(["push tablet unimportant ×1 count=1"])
  })

  it("an app server starts to fail: wait errors are tolerated, hard errors disable it, re-enabling recovers", () => {
    const run = timeline({ coalescingWindowMs: 0, maxErrors: 3 })
    run.at(0, { type: "session-opened", session: "phone", jid: `${juliet}/phone` })
    run.at(0, {
      type: "enable-requested",
      session: "phone",
      user: `${juliet}/phone`,
      iq: enableIq(service, "phone"),
    })
    run.at(1, { type: "session-gone", session: "phone" })
    const answers = [
      { type: "result" },
      { type: "error", errorType: "wait" },
      { type: "timeout" },
      { type: "error", errorType: "cancel" },
      { type: "error", errorType: "cancel" },
      { type: "error", errorType: "cancel" },
    ] as const
    for (const [index, outcome] of answers.entries()) {
      const time = 1_000 * (index + 1)
      const pushes = run.at(time, {
        type: "message-stored-offline",
        user: juliet,
        id: `m${index}`,
        stanza: chat(romeo, juliet, "x"),
      })
      const push = pushes.find((decision) => decision.type === "push")
      if (push?.type === "push")
        run.at(time + 100, { type: "push-answered", pushId: push.pushId, outcome })
    }
    expect(
      run.at(10_000, {
        type: "message-stored-offline",
        user: juliet,
        id: "late",
        stanza: chat(romeo, juliet, "x"),
      }),
    ).toEqual([])
    expect(story(run.decisions.slice(4))).toEqual([
      "push phone important ×1 count=1",
      "push phone important ×1 count=2",
      "push phone important ×1 count=3",
      "push phone important ×1 count=4",
      "saved phone errors=1",
      "push phone important ×1 count=5",
      "saved phone errors=2",
      "push phone important ×1 count=6",
      "removed phone (too-many-errors)",
    ])
    run.at(20_000, { type: "session-opened", session: "phone2", jid: `${juliet}/phone` })
    run.at(20_000, {
      type: "enable-requested",
      session: "phone2",
      user: `${juliet}/phone`,
      iq: enableIq(service, "phone"),
    })
    run.at(20_001, { type: "session-gone", session: "phone2" })
    expect(registrationsOf(run.state, juliet)).toHaveLength(1)
    const after = run.at(21_000, {
      type: "message-stored-offline",
      user: juliet,
      id: "again",
      stanza: chat(romeo, juliet, "x"),
    })
    expect(story(after)).toEqual(["push phone important ×1 count=1"])
  })
})
