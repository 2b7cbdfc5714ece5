// Registrations changed by another cluster node (spec/cluster.md guarantee 3): a registration
// saved elsewhere is pushed for stored messages here; while it is bound to a live session
// elsewhere, archived messages leave it to that node; removed elsewhere, it is gone here; a
// session here that held it lets it go when it was bound elsewhere; a session resumed here from
// another node takes it along. Nothing is stored again.
import { describe, expect, it } from "vitest"
import type { PushEvent, RegistrationChangeElsewhere } from "../src/index.js"
import { chat } from "./support/stanzas.js"
import { enableIq, timeline } from "./support/timeline.js"

const juliet = "juliet@example.org"
const service = "push.example.net"
const romeo = "romeo@example.com/orchard"
const registration = { user: juliet, service, node: "phone", lastUsed: 1, errorCount: 0 }

const elsewhere = (change: RegistrationChangeElsewhere): PushEvent => ({
  type: "registration-changed-elsewhere",
  registration,
  change,
})
const stored = (type: "message-archived" | "message-stored-offline", id: string): PushEvent => ({
  type,
  user: juliet,
  id,
  stanza: chat(romeo, juliet, "hello"),
})
const pushed = (decisions: ReadonlyArray<{ readonly type: string }>) =>
  decisions.filter((decision) => decision.type === "push").length

describe("registrations changed elsewhere", () => {
  it("pushes for stored messages to a registration saved elsewhere, and stores nothing", () => {
    const run = timeline({ coalescingWindowMs: 0 })
    expect(run.at(0, elsewhere("saved"))).toEqual([])
    expect(pushed(run.at(10, stored("message-stored-offline", "m1")))).toBe(1)
    expect(pushed(run.at(20, stored("message-archived", "m2")))).toBe(1)
  })

  it("leaves archived messages to the node where the registration is bound", () => {
    const run = timeline({ coalescingWindowMs: 0 })
    run.at(0, elsewhere("saved"))
    run.at(0, elsewhere("bound"))
    expect(pushed(run.at(10, stored("message-archived", "m1")))).toBe(0)
    expect(pushed(run.at(20, stored("message-stored-offline", "m2")))).toBe(1)
    run.at(30, elsewhere("unbound"))
    expect(pushed(run.at(40, stored("message-archived", "m3")))).toBe(1)
  })

  it("forgets a registration removed elsewhere", () => {
    const run = timeline({ coalescingWindowMs: 0 })
    run.at(0, elsewhere("saved"))
    expect(run.at(5, elsewhere("removed"))).toEqual([])
    expect(pushed(run.at(10, stored("message-stored-offline", "m1")))).toBe(0)
  })

  it("unbinds it from a session here when another node bound it", () => {
    const run = timeline({ coalescingWindowMs: 0 })
    run.at(0, { type: "session-opened", session: "old", jid: `${juliet}/old` })
    run.at(0, {
      type: "enable-requested",
      session: "old",
      user: `${juliet}/old`,
      iq: enableIq(service, "phone"),
    })
    run.at(5, elsewhere("bound"))
    run.at(6, { type: "session-hibernated", session: "old", queue: [] })
    // The session here no longer has the registration: a stanza queued for it pushes nothing.
    const queued = run.at(10, {
      type: "stanza-queued",
      session: "old",
      id: "m1",
      stanza: chat(romeo, juliet, "hello"),
    })
    expect(pushed(queued)).toBe(0)
  })

  it("binds a registration to a session resumed here from another node", () => {
    const run = timeline({ coalescingWindowMs: 0 })
    run.at(0, elsewhere("saved"))
    run.at(0, elsewhere("bound"))
    run.at(1, { type: "session-opened", session: "moved", jid: `${juliet}/phone` })
    const adopted = run.at(2, {
      type: "registration-adopted",
      session: "moved",
      user: juliet,
      service,
      node: "phone",
    })
    expect(adopted).toEqual([{ type: "registration-bound", registration, bound: true }])
    run.at(3, { type: "session-hibernated", session: "moved", queue: [] })
    const queued = run.at(10, {
      type: "stanza-queued",
      session: "moved",
      id: "m1",
      stanza: chat(romeo, juliet, "hello"),
    })
    expect(pushed(queued)).toBe(1)
    // Bound here now: archived messages are left to this session's queue.
    expect(pushed(run.at(20, stored("message-archived", "m2")))).toBe(0)
  })
})
