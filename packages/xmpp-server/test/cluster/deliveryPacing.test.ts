// When cross-node deliveries reach NATS (src/cluster/Deliveries.ts, src/cluster/BatchPacing.ts):
// a delivery on a quiet link goes out at the end of its own event-loop turn, also when the
// previous batch left less than a millisecond before (holding it cost a cross-node message
// about 1.1 ms of its p50 at 2,000 msgs/s, docs/performance.md); while deliveries keep coming
// faster than `busyItems` a millisecond, they are still batched, at most one NATS message a
// millisecond. The link is a recording stand-in and the clock Vitest's fake one, so what is
// asserted is exactly what was published, and when.
import { setImmediate as nextTurn } from "node:timers/promises"
import { afterEach, describe, expect, it, vi } from "vitest"
import { busyItems, coalesceMs } from "../../src/cluster/BatchPacing.js"
import type { ClusterLink } from "../../src/cluster/ClusterLink.js"
import { Deliveries } from "../../src/cluster/Deliveries.js"
import { RemoteSession } from "../../src/cluster/RemoteSession.js"
import type { ServerCore } from "../../src/core/ServerCore.js"
import { parseElement } from "../../src/xml/parseXml.js"

/** One NATS message as published: when, on which subject, its text. */
interface Published {
  readonly at: number
  readonly subject: string
  readonly text: string
}

let published: Array<Published>
let deliveries: Deliveries

const link: ClusterLink = {
  node: "n1",
  prefix: "xa.localhost.",
  publish: (subject, data) =>
    void published.push({ at: performance.now(), subject, text: new TextDecoder().decode(data) }),
  request: async () => undefined,
  subscribe: () => () => undefined,
  flush: async () => undefined,
  isUp: () => true,
  onChange: () => undefined,
  close: async () => undefined,
}

const bob = new RemoteSession(
  "n2",
  {
    full: "bob@localhost/work",
    stream: "s1",
    priority: 0,
    available: true,
    presence: "",
    rosterRequested: true,
    hibernated: false,
    streamManaged: false,
    inactive: false,
    flags: [],
    boundAt: 1,
  },
  { deliver: () => undefined, close: () => undefined },
)

/** A chat message to bob, queued for node n2 as the router does. */
const send = (id: string): void => {
  const text = `<message to="bob@localhost/work" type="chat" id="${id}"><body>${id}</body></message>`
  const stanza = parseElement(text)
  if (stanza === undefined) throw new Error(`the test's stanza does not parse: ${text}`)
  deliveries.send(bob, stanza, text)
}

/** The message ids each delivery batch for n2 carried, batch by batch. */
const batches = (): Array<Array<string>> =>
  published
    .filter((message) => message.subject.endsWith(".n.n2.dlv"))
    .map((message) => [...message.text.matchAll(/ id="([^"]+)"/g)].map((match) => match[1] ?? ""))

/** Fakes `toFake` of the clock, then starts the deliveries. */
const start = (toFake: Parameters<typeof vi.useFakeTimers>[0]) => {
  vi.useFakeTimers(toFake)
  published = []
  deliveries = new Deliveries({
    // The message path reads only the XEP-0198 handoff in progress (none here).
    core: { sm: { current: undefined } } as unknown as ServerCore,
    link,
    incarnation: "i1",
    nodeSubject: (node, name) => `xa.localhost.n.${node}.${name}`,
    timeoutMs: 10_000,
    doubt: () => undefined,
  })
}

afterEach(() => {
  deliveries.stop()
  vi.useRealTimers()
})

describe("cross-node delivery batches", () => {
  it("send a delivery on a quiet link at the end of its turn, even right after another batch", async () => {
    // Real timers (a held batch waits for a real 1 ms timer), a clock that moves only when told.
    start({ toFake: ["performance"] })
    send("m1")
    await nextTurn()
    expect(batches()).toEqual([["m1"]])
    // Well within the coalescing window of the previous batch: it does not wait for it.
    vi.advanceTimersByTime(coalesceMs / 4)
    send("m2")
    await nextTurn()
    expect(batches()).toEqual([["m1"], ["m2"]])
    vi.advanceTimersByTime(coalesceMs * 2)
    send("m3")
    await nextTurn()
    expect(batches()).toEqual([["m1"], ["m2"], ["m3"]])
  })

  it("batch deliveries that keep coming, at most one NATS message a millisecond", () => {
    start({
      toFake: [
        "setTimeout",
        "clearTimeout",
        "setImmediate",
        "setInterval",
        "clearInterval",
        "performance",
      ],
    })
    // 40 messages, one every tenth of a millisecond, each in an event-loop turn of its own.
    const sent = Array.from({ length: 40 }, (_, index) => `b${index}`)
    for (const id of sent) {
      send(id)
      vi.advanceTimersByTime(coalesceMs / 10)
    }
    vi.advanceTimersByTime(coalesceMs * 2)
    const got = batches()
    expect(got.flat()).toEqual(sent)
    // Until the link counts as busy each delivery goes at once; then one batch per window.
    const quiet = busyItems - 1
    expect(got.slice(0, quiet)).toEqual(sent.slice(0, quiet).map((id) => [id]))
    expect(got.length).toBeLessThanOrEqual(quiet + 5)
    const times = published.filter((m) => m.subject.endsWith(".n.n2.dlv")).map((m) => m.at)
    // Held batches (the timer's delay in whole milliseconds, as Node's own timers count it).
    for (let index = quiet + 1; index < times.length; index++)
      expect((times[index] ?? 0) - (times[index - 1] ?? 0)).toBeGreaterThanOrEqual(coalesceMs)
  })
})
