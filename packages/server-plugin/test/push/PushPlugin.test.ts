// The push module against an in-memory host (XEP-0357 §5–§7.1, project push spec): enable and
// disable replies with durable registrations, the publish IQ it routes, bounded publishes to an
// app server that never answers, auto-disable after errors, registrations restored at start,
// hibernation stretched and restored, and folded pushes sent when the coalescing window ends.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { type PushLogLine, type PushPluginHandle, startPushPlugin } from "../../src/index.js"
import {
  chat,
  disableIq,
  enableIq,
  errorTo,
  type MemoryPushHost,
  memoryPushHost,
  resultTo,
} from "./memoryPushHost.js"

const JULIET = "juliet@capulet.example"
const PHONE = `${JULIET}/phone`
const APP = "push.capulet.example"

const flush = async () => {
  for (let turn = 0; turn < 5; turn += 1) await Promise.resolve()
}

let host: MemoryPushHost
let push: PushPluginHandle | undefined
const start = async (table: Record<string, unknown> = {}, initial = memoryPushHost()) => {
  host = initial
  push = await startPushPlugin(host, { coalescing_window_ms: 0, ...table })
  return push
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] })
})
afterEach(async () => {
  await push?.stop()
  push = undefined
  vi.useRealTimers()
})

const offlineMessage = (plugin: PushPluginHandle, id: string, body = id) =>
  plugin.report({ type: "message-stored-offline", user: JULIET, id, stanza: chat(JULIET, body) })

describe("the push module", () => {
  it("answers enable and disable and keeps the registration durably in between", async () => {
    const plugin = await start()
    plugin.report({ type: "session-opened", session: "s1", jid: PHONE })
    const enabled = plugin.handleRequest(enableIq(PHONE, APP, "n1"), "s1", PHONE)
    expect(enabled.attrs).toMatchObject({ type: "result", id: "enable-n1", to: PHONE })
    await flush()
    expect([...host.stored.values()]).toEqual([
      { user: JULIET, service: APP, node: "n1", lastUsed: Date.now(), errorCount: 0 },
    ])
    const disabled = plugin.handleRequest(disableIq(PHONE, APP), "s1", PHONE)
    expect(disabled.attrs.type).toBe("result")
    await flush()
    expect(host.stored.size).toBe(0)
    expect(plugin.accountFeatures).toEqual(["urn:xmpp:push:0"])
  })

  it("routes a publish from the user's domain to the app server node with a summary", async () => {
    const plugin = await start()
    plugin.handleRequest(enableIq(PHONE, APP, "n1"), "s1", PHONE)
    offlineMessage(plugin, "m1")
    expect(host.sent).toHaveLength(1)
    const iq = host.sent[0]?.iq
    expect(iq?.attrs).toMatchObject({ type: "set", from: "capulet.example", to: APP })
    const publish = iq?.getChild("pubsub", "http://jabber.org/protocol/pubsub")?.getChild("publish")
    expect(publish?.attrs.node).toBe("n1")
    const fields = publish
      ?.getChild("item")
      ?.getChild("notification", "urn:xmpp:push:0")
      ?.getChild("x", "jabber:x:data")
      ?.getChildren("field")
      .map((field) => [field.attrs.var, field.getChildText("value")])
    expect(fields).toEqual([
      ["FORM_TYPE", "urn:xmpp:push:summary"],
      ["message-count", "1"],
      ["last-message-body", "New Message!"],
    ])
  })

  it("publishes at most max_in_flight_per_registration to an app server that never answers", async () => {
    const plugin = await start({ max_in_flight_per_registration: 3, push_timeout_ms: 1000 })
    plugin.handleRequest(enableIq(PHONE, APP, "n1"), "s1", PHONE)
    for (let index = 0; index < 100; index += 1) offlineMessage(plugin, `m${index}`)
    expect(host.sent).toHaveLength(3)
    expect(plugin.inFlight()).toBe(3)
    for (const publish of host.sent) publish.fail("no answer")
    await flush()
    expect(plugin.inFlight()).toBeLessThanOrEqual(3)
    expect(host.stored.size).toBe(1)
  })

  it("forgets publishes unanswered after push_timeout_ms, without counting them", async () => {
    const plugin = await start({ max_in_flight_per_registration: 1, push_timeout_ms: 1000 })
    plugin.handleRequest(enableIq(PHONE, APP, "n1"), "s1", PHONE)
    offlineMessage(plugin, "m1")
    offlineMessage(plugin, "m2")
    expect(host.sent).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1000)
    expect(host.sent).toHaveLength(2)
    await flush()
    expect([...host.stored.values()][0]?.errorCount).toBe(0)
  })

  it("disables a registration after max_errors errors in a row, and a result resets the count", async () => {
    const plugin = await start({ max_errors: 2 })
    plugin.handleRequest(enableIq(PHONE, APP, "n1"), "s1", PHONE)
    offlineMessage(plugin, "m1")
    host.sent[0]?.answer(errorTo(host.sent[0].iq, "cancel", "item-not-found"))
    await flush()
    offlineMessage(plugin, "m2")
    host.sent[1]?.answer(resultTo(host.sent[1].iq))
    await flush()
    offlineMessage(plugin, "m3")
    host.sent[2]?.answer(errorTo(host.sent[2].iq, "wait", "resource-constraint"))
    await flush()
    expect(host.stored.size).toBe(1)
    offlineMessage(plugin, "m4")
    host.sent[3]?.answer(errorTo(host.sent[3].iq, "cancel", "item-not-found"))
    await flush()
    offlineMessage(plugin, "m5")
    host.sent[4]?.answer(errorTo(host.sent[4].iq, "auth", "not-authorized"))
    await flush()
    expect(host.stored.size).toBe(0)
    offlineMessage(plugin, "m6")
    expect(host.sent).toHaveLength(5)
  })

  it("logs each push the app server refused or left unanswered", async () => {
    const lines: PushLogLine[] = []
    host = memoryPushHost()
    push = await startPushPlugin(
      host,
      { coalescing_window_ms: 0 },
      { onLog: (line) => lines.push(line) },
    )
    push.handleRequest(enableIq(PHONE, APP, "n1"), "s1", PHONE)
    offlineMessage(push, "m1")
    offlineMessage(push, "m2")
    host.sent[0]?.fail("no answer within 60000 ms")
    host.sent[1]?.answer(errorTo(host.sent[1].iq, "cancel", "item-not-found"))
    await flush()
    const warnings = lines.filter((line) => line.level === "Warn")
    expect(warnings.map((line) => line.message)).toEqual(["push-unanswered", "push-refused"])
    expect(warnings[0]?.annotations).toMatchObject({ user: JULIET, service: APP, node: "n1" })
    expect(warnings[1]?.annotations).toMatchObject({
      errorType: "cancel",
      condition: "item-not-found",
    })
  })

  it("pushes to registrations stored before it started", async () => {
    const stored = { user: JULIET, service: APP, node: "old", lastUsed: 0, errorCount: 0 }
    const plugin = await start({}, memoryPushHost([stored]))
    offlineMessage(plugin, "m1")
    expect(host.sent.map((publish) => publish.iq.attrs.to)).toEqual([APP])
  })

  it("stretches the hibernation of a session with push and restores it on disable", async () => {
    const plugin = await start({ hibernation_timeout_with_push_ms: 60_000 })
    plugin.report({ type: "session-opened", session: "s1", jid: PHONE })
    plugin.handleRequest(enableIq(PHONE, APP, "n1"), "s1", PHONE)
    plugin.report({ type: "session-hibernated", session: "s1", queue: [] })
    plugin.handleRequest(disableIq(PHONE, APP, "n1"), "s2", PHONE)
    expect(host.hibernation).toEqual(["extend s1 60000", "restore s1"])
  })

  it("sends the folded push when the coalescing window ends, with no other event", async () => {
    const plugin = await start({ coalescing_window_ms: 500 })
    plugin.handleRequest(enableIq(PHONE, APP, "n1"), "s1", PHONE)
    for (const id of ["m1", "m2", "m3"]) offlineMessage(plugin, id)
    expect(host.sent).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(499)
    expect(host.sent).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(host.sent).toHaveLength(2)
    const count = host.sent[1]?.iq
      .getChild("pubsub")
      ?.getChild("publish")
      ?.getChild("item")
      ?.getChild("notification")
      ?.getChild("x")
      ?.getChildren("field")
      .find((field) => field.attrs.var === "message-count")
      ?.getChildText("value")
    expect(count).toBe("3")
  })
})
