// What a sender reads under each sent message for every kind of AMP reply (XEP-0079 §3.4,
// §6; spec §5) and XEP-0184 receipt, and that a late reply never moves a status backwards.

import xml from "@xmpp/xml"
import type { AmpEvent } from "@xmpp-amp/client"
import { describe, expect, it } from "vitest"
import {
  advance,
  bouncedStatus,
  receivedStatus,
  sentStatus,
  statusFromEvent,
} from "../src/model/MessageStatus.js"

const stanza = xml("message", { from: "localhost", id: "m1" })
const rule = (action: string, condition: string, value: string) => ({ action, condition, value })

const notified = (value: string): AmpEvent => ({
  type: "notified",
  id: "m1",
  stanza,
  rule: rule("notify", "deliver", value),
  condition: "deliver",
  value,
})

describe("statusFromEvent", () => {
  it("turns deliver notifications into stored, delivered and failed", () => {
    expect(statusFromEvent(notified("stored"), "Bob")).toEqual({
      state: "stored",
      detail: "Stored: Bob is offline and gets it at their next sign-in.",
    })
    expect(statusFromEvent(notified("direct"), "Bob")?.state).toBe("delivered")
    expect(statusFromEvent(notified("none"), "Bob")?.state).toBe("failed")
  })

  it("explains which option stopped a message", () => {
    const alerted = (condition: string, value: string): AmpEvent => ({
      type: "alerted",
      id: "m1",
      stanza,
      rule: rule("alert", condition, value),
    })
    expect(statusFromEvent(alerted("deliver", "stored"), "Bob")).toEqual({
      state: "dropped",
      detail: "Not stored: Bob was offline and you chose not to store it.",
    })
    expect(statusFromEvent(alerted("expire-at", "2030-01-01T00:00:00Z"), "Bob")?.state).toBe(
      "expired",
    )
    expect(statusFromEvent(alerted("match-resource", "other"), "Bob")?.detail).toContain(
      "device you chose is no longer online",
    )
  })

  it("says in words why the server refused the options", () => {
    const rejected: AmpEvent = {
      type: "rejected",
      id: "m1",
      stanza,
      kind: "not-acceptable",
      rules: [rule("alert", "deliver", "stored")],
    }
    expect(statusFromEvent(rejected, "Bob")?.detail).toContain(
      "work only with contacts who share their presence with you",
    )
    const bounced: AmpEvent = {
      type: "bounced",
      id: "m1",
      stanza,
      condition: "service-unavailable",
      text: undefined,
    }
    expect(statusFromEvent(bounced, "Bob")?.detail).toBe(
      "Not delivered: the recipient's server cannot take it (is the address right?).",
    )
  })

  it("ignores notifications that say nothing about delivery", () => {
    const other: AmpEvent = {
      type: "notified",
      id: "m1",
      stanza,
      rule: rule("notify", "match-resource", "any"),
      condition: "match-resource",
      value: "any",
    }
    expect(statusFromEvent(other, "Bob")).toBeUndefined()
  })
})

describe("advance", () => {
  it("moves forward through sent, stored and delivered", () => {
    const stored = statusFromEvent(notified("stored"), "Bob")
    if (stored === undefined) throw new Error("expected a status")
    expect(advance(sentStatus("Bob"), stored)).toBe(stored)
    expect(advance(stored, receivedStatus("Bob")).state).toBe("delivered")
  })

  it("never goes back and never leaves a final state", () => {
    const delivered = receivedStatus("Bob")
    expect(advance(delivered, sentStatus("Bob"))).toBe(delivered)
    const failed = bouncedStatus("item-not-found")
    expect(failed.detail).toBe("Not delivered: there is no such user.")
    expect(advance(failed, delivered)).toBe(failed)
  })
})
