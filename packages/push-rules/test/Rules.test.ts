// The push spec's "When to push" rules 1–6, one row each: which registrations get a push for a
// stanza, depending on where the user's sessions stand. Juliet has a phone session with push
// enabled (node "phone") and a tablet registration with no live session (node "tablet").
import { describe, expect, it } from "vitest"
import type { PushEvent, PushSettings } from "../src/index.js"
import { chat, composing } from "./support/stanzas.js"
import { disableIq, openWithPush, type Timeline, timeline } from "./support/timeline.js"

const juliet = "juliet@example.org"
const phone = "phone-session"
const service = "push.example.net"
const romeo = "romeo@example.com/orchard"

const message = chat(romeo, juliet, "Hi Juliet")
const chatState = composing(romeo, juliet)

const setup = (settings: Partial<PushSettings> = {}): Timeline => {
  const run = timeline(settings, [
    { user: juliet, service, node: "tablet", lastUsed: 0, errorCount: 0 },
  ])
  openWithPush(run, 0, phone, `${juliet}/phone`, service, "phone")
  return run
}

const queued = (id: string, stanza = message, heldBack?: boolean): PushEvent => ({
  type: "stanza-queued",
  session: phone,
  id,
  stanza,
  ...(heldBack === undefined ? {} : { heldBack }),
})
const hibernate: PushEvent = { type: "session-hibernated", session: phone, queue: [] }
const archived = (id: string, stanza = message): PushEvent => ({
  type: "message-archived",
  user: juliet,
  id,
  stanza,
})
const offline = (id: string, stanza = message): PushEvent => ({
  type: "message-stored-offline",
  user: juliet,
  id,
  stanza,
})
const inactive: PushEvent = { type: "client-state-changed", session: phone, state: "inactive" }

interface Row {
  readonly rule: string
  readonly events: readonly PushEvent[]
  readonly pushedNodes: readonly string[]
  readonly settings?: Partial<PushSettings>
}

const rows: readonly Row[] = [
  {
    rule: "a stanza for a connected, acking session is not pushed",
    events: [queued("m1")],
    pushedNodes: [],
  },
  {
    rule: "1: hibernation pushes the queued stanzas to that session's registration only",
    events: [
      { type: "session-hibernated", session: phone, queue: [{ id: "m1", stanza: message }] },
    ],
    pushedNodes: ["phone"],
  },
  {
    rule: "1: a new stanza for a hibernated session is pushed",
    events: [hibernate, queued("m1")],
    pushedNodes: ["phone"],
  },
  {
    rule: "1: a resumed session gets no more pushes",
    events: [hibernate, { type: "session-resumed", session: phone }, queued("m1")],
    pushedNodes: [],
  },
  {
    rule: "2: an ack delay pushes the unacked stanzas",
    events: [
      { type: "session-ack-delayed", session: phone, queue: [{ id: "m1", stanza: message }] },
    ],
    pushedNodes: ["phone"],
  },
  {
    rule: "2: stanzas queued while the ack is delayed are pushed",
    events: [{ type: "session-ack-delayed", session: phone, queue: [] }, queued("m1")],
    pushedNodes: ["phone"],
  },
  {
    rule: "2: once the client acks again, nothing is pushed",
    events: [
      { type: "session-ack-delayed", session: phone, queue: [] },
      { type: "session-acked", session: phone },
      queued("m1"),
    ],
    pushedNodes: [],
  },
  {
    rule: "3: an archived message goes to registrations without a live session",
    events: [archived("m1")],
    pushedNodes: ["tablet"],
  },
  {
    rule: "3: a hibernated session's registration is not pushed again for the archive",
    events: [hibernate, archived("m1")],
    pushedNodes: ["tablet"],
  },
  {
    rule: "3: once the phone session is gone, its registration gets archive pushes",
    events: [{ type: "session-gone", session: phone }, archived("m1")],
    pushedNodes: ["phone", "tablet"],
  },
  {
    rule: "4: an offline message goes to every registration",
    events: [offline("m1")],
    pushedNodes: ["phone", "tablet"],
  },
  {
    rule: "5: CSI-held chat states never trigger 1",
    events: [inactive, hibernate, queued("c1", chatState)],
    pushedNodes: [],
  },
  {
    rule: "5: a message still wakes an inactive, hibernated client",
    events: [inactive, hibernate, queued("m1")],
    pushedNodes: ["phone"],
  },
  {
    rule: "5: a stanza the host says CSI held back is never pushed",
    events: [hibernate, queued("m1", message, true)],
    pushedNodes: [],
  },
  {
    rule: "5: the host can say a stanza was not held back",
    events: [inactive, hibernate, queued("c1", chatState, false)],
    pushedNodes: ["phone"],
  },
  {
    rule: "5: with inactiveClientHoldsUnimportant off, chat states of inactive clients are pushed",
    events: [inactive, hibernate, queued("c1", chatState)],
    pushedNodes: ["phone"],
    settings: { inactiveClientHoldsUnimportant: false },
  },
  {
    rule: "6: queued, archived and stored offline, one message is one push per registration",
    events: [hibernate, queued("m1"), archived("m1"), offline("m1")],
    pushedNodes: ["phone", "tablet"],
  },
  {
    rule: "6: a disabled registration never gets a push",
    events: [
      {
        type: "disable-requested",
        session: phone,
        user: `${juliet}/phone`,
        iq: disableIq(service, "phone"),
      },
      hibernate,
      queued("m1"),
      offline("m2"),
    ],
    pushedNodes: ["tablet"],
  },
]

describe("when to push", () => {
  it.each(rows)("$rule", ({ events, pushedNodes, settings }) => {
    const run = setup(settings)
    for (const [index, event] of events.entries()) run.at(10_000 * (index + 1), event)
    expect(
      run
        .pushes()
        .map((push) => push.node)
        .sort(),
    ).toEqual(pushedNodes)
  })

  it("pushes go to the app server as publish IQs from the user's domain", () => {
    const run = setup()
    run.at(5_000, offline("m1"))
    expect(run.pushes().map((push) => push.iq.attrs)).toEqual([
      { type: "set", from: "example.org", to: service, id: "push-1" },
      { type: "set", from: "example.org", to: service, id: "push-2" },
    ])
  })

  it("the hibernation of a session with push asks for a longer timeout, and disabling restores it", () => {
    const run = setup({ hibernationTimeoutWithPushMs: 3_600_000 })
    expect(run.at(1_000, hibernate)).toContainEqual({
      type: "hibernation-timeout-extended",
      session: phone,
      timeoutMs: 3_600_000,
    })
    const decisions = run.at(2_000, {
      type: "disable-requested",
      session: phone,
      user: `${juliet}/phone`,
      iq: disableIq(service),
    })
    expect(decisions.map((decision) => decision.type)).toEqual([
      "registration-removed",
      "hibernation-timeout-restored",
      "registration-removed",
      "reply",
    ])
  })

  it("with hibernationTimeoutWithPushMs 0, a session with push hibernates without asking for more", () => {
    const run = setup({ hibernationTimeoutWithPushMs: 0 })
    const decisions = run.at(1_000, { ...hibernate, queue: [{ id: "m1", stanza: message }] })
    expect(decisions.map((decision) => decision.type)).toEqual(["push"])
  })

  it("remembers the last rememberedStanzas ids per registration: an older stanza offered again is pushed again", () => {
    const run = setup({
      rememberedStanzas: 2,
      coalescingWindowMs: 0,
      maxInFlightPerRegistration: 10,
    })
    for (const [index, id] of ["m1", "m2", "m1", "m3", "m4", "m1"].entries()) {
      run.at(1_000 * (index + 1), archived(id))
    }
    expect(run.pushes().map((push) => push.latestStanzaId)).toEqual(["m1", "m2", "m3", "m4", "m1"])
  })

  it("a session without push hibernates without asking for a longer timeout", () => {
    const run = timeline()
    run.at(0, { type: "session-opened", session: "s", jid: `${juliet}/laptop` })
    expect(run.at(1, { type: "session-hibernated", session: "s", queue: [] })).toEqual([])
  })

  it("events about unknown sessions change nothing", () => {
    const run = setup()
    expect(
      run.at(1, {
        type: "session-hibernated",
        session: "nobody",
        queue: [{ id: "m", stanza: message }],
      }),
    ).toEqual([])
    expect(
      run.at(2, { type: "stanza-queued", session: "nobody", id: "m2", stanza: message }),
    ).toEqual([])
  })
})
