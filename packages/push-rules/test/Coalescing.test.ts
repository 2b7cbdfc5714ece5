// Push spec rule 7 and the memory bounds: within a coalescing window a registration gets at most
// one important and one unimportant push; later stanzas are folded into one push sent when the
// window ends (first event or tick at or after its end), or when an in-flight slot frees up.
import { describe, expect, it } from "vitest"
import { nextDeadline, type PushEvent, type PushSettings } from "../src/index.js"
import { chat, composing } from "./support/stanzas.js"
import { enableIq, pushesIn, timeline } from "./support/timeline.js"

const juliet = "juliet@example.org"
const service = "push.example.net"
const romeo = "romeo@example.com/orchard"

const important = (id: string): PushEvent => ({
  type: "message-stored-offline",
  user: juliet,
  id,
  stanza: chat(romeo, juliet, `message ${id}`),
})
const unimportant = (id: string): PushEvent => ({
  type: "message-stored-offline",
  user: juliet,
  id,
  stanza: composing(romeo, juliet),
})
const enableOf = (node: string) => enableIq(service, node)
const tick: PushEvent = { type: "clock-ticked" }

const withDevices = (nodes: readonly string[], settings: Partial<PushSettings> = {}) =>
  timeline(
    settings,
    nodes.map((node) => ({ user: juliet, service, node, lastUsed: 0, errorCount: 0 })),
  )

const summaryLine = (push: { important: boolean; stanzaCount: number; node: string }) =>
  `${push.node} ${push.important ? "important" : "unimportant"} ×${push.stanzaCount}`

describe("coalescing window (default 1 s)", () => {
  it("sends the first important stanza at once and folds the rest of the window into one push at its end", () => {
    const run = withDevices(["phone"])
    expect(pushesIn(run.at(0, important("m1"))).map(summaryLine)).toEqual(["phone important ×1"])
    expect(pushesIn(run.at(100, important("m2")))).toEqual([])
    expect(pushesIn(run.at(500, important("m3")))).toEqual([])
    expect(pushesIn(run.at(999, tick))).toEqual([])
    const flushed = pushesIn(run.at(1_000, tick))
    expect(flushed.map(summaryLine)).toEqual(["phone important ×2"])
    expect(flushed[0]?.summary).toEqual({ messageCount: 3, lastMessageBody: "New Message!" })
  })

  it("gives unimportant stanzas their own budget of one push per window", () => {
    const run = withDevices(["phone"])
    run.at(0, important("m1"))
    run.at(100, unimportant("c1"))
    run.at(200, unimportant("c2"))
    run.at(1_000, tick)
    expect(run.pushes().map(summaryLine)).toEqual([
      "phone important ×1",
      "phone unimportant ×1",
      "phone unimportant ×1",
    ])
  })

  it("folds pending unimportant stanzas into a pending important push", () => {
    const run = withDevices(["phone"])
    run.at(0, important("m1"))
    run.at(10, unimportant("c1"))
    run.at(20, unimportant("c2"))
    run.at(30, important("m2"))
    run.at(1_000, tick)
    expect(run.pushes().map(summaryLine)).toEqual([
      "phone important ×1",
      "phone unimportant ×1",
      "phone important ×2",
    ])
  })

  it("a flushed push opens the next window, so a busy chat yields one push per window", () => {
    const run = withDevices(["phone"])
    for (let time = 0; time < 3_000; time += 100) run.at(time, important(`m${time}`))
    run.at(3_000, tick)
    expect(run.pushes().map((push) => push.stanzaCount)).toEqual([1, 9, 10, 10])
  })

  it("any event at or after the window's end flushes it, before the event's own decisions", () => {
    const run = withDevices(["phone", "tablet"])
    run.at(0, important("m1"))
    run.at(10, important("m2"))
    const decisions = run.at(1_500, {
      type: "session-opened",
      session: "other",
      jid: "nurse@example.org/home",
    })
    expect(pushesIn(decisions).map(summaryLine)).toEqual([
      "phone important ×1",
      "tablet important ×1",
    ])
  })

  it("windows are per registration", () => {
    const run = withDevices(["phone"])
    run.at(0, important("m1"))
    run.at(500, { type: "enable-requested", session: "none", user: juliet, iq: enableOf("tablet") })
    run.at(600, important("m2"))
    expect(run.pushes().map(summaryLine)).toEqual(["phone important ×1", "tablet important ×1"])
  })

  it("time never goes back: an event stamped earlier is taken at the latest time seen", () => {
    const run = withDevices(["phone"])
    run.at(1_000, important("m1"))
    run.at(500, important("m2"))
    expect(pushesIn(run.at(1_999, tick))).toEqual([])
    expect(pushesIn(run.at(2_000, tick)).map(summaryLine)).toEqual(["phone important ×1"])
  })

  it("a window of 0 ms pushes every stanza", () => {
    const run = withDevices(["phone"], { coalescingWindowMs: 0, maxInFlightPerRegistration: 100 })
    for (let index = 0; index < 5; index++) run.at(0, important(`m${index}`))
    expect(run.pushes()).toHaveLength(5)
  })

  it("tells the host when to tick next", () => {
    const run = withDevices(["phone"], { coalescingWindowMs: 1_000, pushTimeoutMs: 30_000 })
    expect(nextDeadline(run.state)).toBeUndefined()
    run.at(5_000, important("m1"))
    expect(nextDeadline(run.state)).toBe(6_000)
    run.at(6_000, tick)
    expect(nextDeadline(run.state)).toBe(35_000)
    run.at(6_500, { type: "push-answered", pushId: "push-1", outcome: { type: "result" } })
    expect(nextDeadline(run.state)).toBeUndefined()
  })
})

describe("bounded in-flight pushes", () => {
  it("keeps at most maxInFlightPerRegistration unanswered pushes and folds the rest", () => {
    const run = withDevices(["phone"], { coalescingWindowMs: 0, maxInFlightPerRegistration: 2 })
    for (let index = 1; index <= 5; index++) run.at(index, important(`m${index}`))
    expect(run.pushes()).toHaveLength(2)
    const freed = run.at(10, {
      type: "push-answered",
      pushId: "push-1",
      outcome: { type: "result" },
    })
    expect(pushesIn(freed).map(summaryLine)).toEqual(["phone important ×3"])
  })

  it("keeps at most maxInFlightTotal unanswered pushes across registrations, serving waiters in order", () => {
    const run = withDevices(["phone", "tablet"], { maxInFlightTotal: 1 })
    run.at(0, important("m1"))
    expect(run.pushes().map((push) => push.node)).toEqual(["phone"])
    run.at(10, { type: "push-answered", pushId: "push-1", outcome: { type: "result" } })
    expect(run.pushes().map((push) => push.node)).toEqual(["phone", "tablet"])
  })

  it("forgets a push the app server never answers after pushTimeoutMs, freeing its slot", () => {
    const run = withDevices(["phone"], {
      coalescingWindowMs: 0,
      maxInFlightPerRegistration: 1,
      pushTimeoutMs: 60_000,
    })
    run.at(0, important("m1"))
    run.at(10, important("m2"))
    expect(pushesIn(run.at(59_999, tick))).toEqual([])
    expect(pushesIn(run.at(60_000, tick)).map(summaryLine)).toEqual(["phone important ×1"])
  })

  it("a device that comes back loses its folded pushes", () => {
    const run = timeline()
    run.at(0, { type: "session-opened", session: "s", jid: `${juliet}/phone` })
    run.at(0, {
      type: "enable-requested",
      session: "s",
      user: `${juliet}/phone`,
      iq: enableOf("phone"),
    })
    run.at(0, { type: "session-hibernated", session: "s", queue: [] })
    run.at(10, {
      type: "stanza-queued",
      session: "s",
      id: "m1",
      stanza: chat(romeo, juliet, "one"),
    })
    run.at(20, {
      type: "stanza-queued",
      session: "s",
      id: "m2",
      stanza: chat(romeo, juliet, "two"),
    })
    run.at(30, { type: "session-resumed", session: "s" })
    run.at(2_000, tick)
    expect(run.pushes()).toHaveLength(1)
  })
})
