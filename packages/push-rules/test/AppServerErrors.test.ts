// XEP-0357 §7.1 answers from the app server: a result resets the error count, `wait` errors and
// timeouts count nothing, other errors count, and `maxErrors` in a row disable the registration.
import { describe, expect, it } from "vitest"
import {
  outcomeOfReply,
  type PushEvent,
  type PushOutcome,
  type PushSettings,
  registrationsOf,
} from "../src/index.js"
import { chat } from "./support/stanzas.js"
import { openWithPush, timeline } from "./support/timeline.js"
import { parseXml } from "./support/xml.js"

const juliet = "juliet@example.org"
const service = "push.example.net"

const cancel: PushOutcome = { type: "error", errorType: "cancel", condition: "item-not-found" }
const wait: PushOutcome = { type: "error", errorType: "wait", condition: "resource-constraint" }

/** Sends one offline message per answer and answers each push with it; returns the run. */
const answerPushes = (answers: readonly PushOutcome[], settings: Partial<PushSettings> = {}) => {
  const run = timeline({ coalescingWindowMs: 0, ...settings }, [
    { user: juliet, service, node: "phone", lastUsed: 0, errorCount: 0 },
  ])
  for (const [index, outcome] of answers.entries()) {
    const time = index * 10
    const offline: PushEvent = {
      type: "message-stored-offline",
      user: juliet,
      id: `m${index}`,
      stanza: chat("romeo@example.com", juliet, `message ${index}`),
    }
    const push = run.at(time, offline).find((decision) => decision.type === "push")
    if (push?.type === "push")
      run.at(time + 1, { type: "push-answered", pushId: push.pushId, outcome })
  }
  return run
}

const errorCount = (run: ReturnType<typeof answerPushes>) =>
  registrationsOf(run.state, juliet)[0]?.errorCount

describe("app server answers", () => {
  it.each([
    ["a result keeps the count at 0", [{ type: "result" }], 0],
    ["a cancel error counts", [cancel], 1],
    ["a modify error counts", [{ type: "error", errorType: "modify" }], 1],
    ["an auth error counts", [{ type: "error", errorType: "auth" }], 1],
    ["a wait error counts nothing", [cancel, wait, wait], 1],
    ["a timeout counts nothing", [cancel, { type: "timeout" }], 1],
    ["a result resets the count", [cancel, cancel, { type: "result" }], 0],
    ["errors after a result count again from 0", [cancel, { type: "result" }, cancel], 1],
  ] as const)("%s", (_name, answers, expected) => {
    expect(errorCount(answerPushes(answers))).toBe(expected)
  })

  it("persists the error count so that it survives a restart", () => {
    const run = answerPushes([cancel])
    expect(run.decisions).toContainEqual({
      type: "registration-saved",
      registration: { user: juliet, service, node: "phone", lastUsed: 0, errorCount: 1 },
    })
  })

  it.each([
    [16, {}],
    [3, { maxErrors: 3 }],
  ])(
    "disables the registration after %i errors in a row and pushes it no more",
    (maxErrors, settings) => {
      const run = answerPushes(
        Array.from({ length: maxErrors + 2 }, () => cancel),
        settings,
      )
      expect(run.pushes()).toHaveLength(maxErrors)
      expect(run.decisions.filter((decision) => decision.type === "registration-removed")).toEqual([
        {
          type: "registration-removed",
          registration: {
            user: juliet,
            service,
            node: "phone",
            lastUsed: 0,
            errorCount: maxErrors,
          },
          reason: "too-many-errors",
        },
      ])
      expect(registrationsOf(run.state, juliet)).toEqual([])
    },
  )

  it("a long run of wait errors never disables", () => {
    const run = answerPushes(Array.from({ length: 40 }, () => wait))
    expect(run.pushes()).toHaveLength(40)
    expect(errorCount(run)).toBe(0)
  })

  it("disabling a hibernated session's registration unbinds it and restores the session's timeout", () => {
    const run = timeline({ coalescingWindowMs: 0, maxErrors: 1 })
    openWithPush(run, 0, "phone", `${juliet}/phone`, service, "phone")
    run.at(1, { type: "session-hibernated", session: "phone", queue: [] })
    run.at(2, {
      type: "stanza-queued",
      session: "phone",
      id: "m1",
      stanza: chat("romeo@example.com", juliet, "hi"),
    })
    const decisions = run.at(3, { type: "push-answered", pushId: "push-1", outcome: cancel })
    expect(decisions.map((decision) => decision.type)).toEqual([
      "hibernation-timeout-restored",
      "registration-removed",
    ])
  })

  it("ignores answers to unknown or already answered pushes", () => {
    const run = answerPushes([{ type: "result" }])
    expect(run.at(100, { type: "push-answered", pushId: "push-1", outcome: cancel })).toEqual([])
    expect(run.at(101, { type: "push-answered", pushId: "nope", outcome: cancel })).toEqual([])
    expect(errorCount(run)).toBe(0)
  })
})

describe("outcomeOfReply", () => {
  it.each([
    [`<iq type='result' id='push-1'/>`, { type: "result" }],
    [
      `<iq type='error' id='push-1'><error type='wait'><resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
      { type: "error", errorType: "wait", condition: "resource-constraint" },
    ],
    [
      `<iq type='error' id='push-1'><error type='cancel'><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>gone</text><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
      { type: "error", errorType: "cancel", condition: "item-not-found" },
    ],
    [`<iq type='error' id='push-1'/>`, { type: "error", errorType: "cancel" }],
  ])("%s", (xml, outcome) => {
    expect(outcomeOfReply(parseXml(xml))).toEqual(outcome)
  })
})
