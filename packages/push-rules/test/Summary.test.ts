// What a push says (push spec "What a push says", XEP-0357 §7): each summary field is a setting
// with a privacy-first default, important pushes carry a placeholder body, and the unread count
// runs since the user's last active session.
import { describe, expect, it } from "vitest"
import {
  defaultPushSettings,
  type PushEvent,
  type PushSettings,
  resolvePushSettings,
} from "../src/index.js"
import { chat, composing } from "./support/stanzas.js"
import { openWithPush, timeline } from "./support/timeline.js"

const juliet = "juliet@example.org"
const service = "push.example.net"
const romeo = "romeo@example.com/orchard"

const offline = (id: string, stanza = chat(romeo, juliet, "Wherefore art thou?")): PushEvent => ({
  type: "message-stored-offline",
  user: juliet,
  id,
  stanza,
})

const firstSummary = (settings: Partial<PushSettings>, stanza?: ReturnType<typeof chat>) => {
  const run = timeline(settings, [
    { user: juliet, service, node: "phone", lastUsed: 0, errorCount: 0 },
  ])
  run.at(0, offline("m1", stanza))
  return run.pushes()[0]?.summary
}

describe("summary fields", () => {
  it.each([
    [
      "defaults: count and placeholder body only",
      {},
      { messageCount: 1, lastMessageBody: "New Message!" },
    ],
    ["no message count", { includeMessageCount: false }, { lastMessageBody: "New Message!" }],
    [
      "with the sender",
      { includeLastMessageSender: true },
      { messageCount: 1, lastMessageSender: "romeo@example.com", lastMessageBody: "New Message!" },
    ],
    [
      "with the real body",
      { includeLastMessageBody: true },
      { messageCount: 1, lastMessageBody: "Wherefore art thou?" },
    ],
    [
      "with another placeholder",
      { importantBody: "You have mail" },
      { messageCount: 1, lastMessageBody: "You have mail" },
    ],
  ] as const)("%s", (_name, settings, summary) => {
    expect(firstSummary(settings)).toEqual(summary)
  })

  it("an unimportant push carries no body and does not raise the count", () => {
    expect(firstSummary({ includeLastMessageBody: true }, composing(romeo, juliet))).toEqual({
      messageCount: 0,
    })
  })

  it("writes the summary into the publish IQ's urn:xmpp:push:summary form", () => {
    const run = timeline({ includeLastMessageSender: true }, [
      { user: juliet, service, node: "phone", lastUsed: 0, errorCount: 0 },
    ])
    run.at(0, offline("m1"))
    expect(run.pushes()[0]?.iq.toString()).toBe(
      `<iq type="set" from="example.org" to="push.example.net" id="push-1"><pubsub xmlns="http://jabber.org/protocol/pubsub"><publish node="phone"><item><notification xmlns="urn:xmpp:push:0"><x xmlns="jabber:x:data" type="submit"><field var="FORM_TYPE" type="hidden"><value>urn:xmpp:push:summary</value></field><field var="message-count"><value>1</value></field><field var="last-message-sender"><value>romeo@example.com</value></field><field var="last-message-body"><value>New Message!</value></field></x></notification></item></publish></pubsub></iq>`,
    )
  })
})

describe("message-count", () => {
  it("counts each message once and resets when a session becomes active", () => {
    const run = timeline({ coalescingWindowMs: 0 })
    openWithPush(run, 0, "phone", `${juliet}/phone`, service, "phone")
    run.at(1, { type: "client-state-changed", session: "phone", state: "inactive" })
    run.at(2, { type: "session-hibernated", session: "phone", queue: [] })
    run.at(3, {
      type: "stanza-queued",
      session: "phone",
      id: "m1",
      stanza: chat(romeo, juliet, "1"),
    })
    run.at(4, offline("m1"))
    run.at(5, {
      type: "stanza-queued",
      session: "phone",
      id: "m2",
      stanza: chat(romeo, juliet, "2"),
    })
    run.at(6, { type: "session-resumed", session: "phone" })
    run.at(7, { type: "session-hibernated", session: "phone", queue: [] })
    run.at(8, {
      type: "stanza-queued",
      session: "phone",
      id: "m3",
      stanza: chat(romeo, juliet, "3"),
    })
    run.at(9, { type: "session-resumed", session: "phone" })
    run.at(10, { type: "client-state-changed", session: "phone", state: "active" })
    run.at(11, { type: "session-hibernated", session: "phone", queue: [] })
    run.at(12, {
      type: "stanza-queued",
      session: "phone",
      id: "m4",
      stanza: chat(romeo, juliet, "4"),
    })
    expect(run.pushes().map((push) => push.summary.messageCount)).toEqual([1, 2, 3, 1])
  })
})

describe("settings", () => {
  it("has the spec's defaults", () => {
    expect(defaultPushSettings).toMatchObject({
      includeMessageCount: true,
      includeLastMessageSender: false,
      includeLastMessageBody: false,
      importantBody: "New Message!",
      maxDevices: 5,
      maxErrors: 16,
      coalescingWindowMs: 1_000,
    })
  })

  it.each([
    [{ maxDevices: 0 }],
    [{ maxErrors: 1.5 }],
    [{ maxInFlightTotal: -1 }],
    [{ pushTimeoutMs: 0 }],
    [{ coalescingWindowMs: Number.NaN }],
    [{ hibernationTimeoutWithPushMs: -5 }],
  ])("refuses %o", (overrides) => {
    expect(() => resolvePushSettings(overrides)).toThrow(RangeError)
  })
})
