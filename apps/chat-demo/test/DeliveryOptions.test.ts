// The rules each combination of delivery options puts on a message (XEP-0079 §3.3–§3.4, §5).
import { describe, expect, it } from "vitest"
import {
  changesDelivery,
  describeOptions,
  noDeliveryOptions,
  rulesFor,
} from "../src/model/DeliveryOptions.js"

const now = Date.UTC(2026, 0, 1, 12, 0, 0)

describe("rulesFor", () => {
  it("sends no rules when nothing is chosen", () => {
    expect(rulesFor(noDeliveryOptions, now)).toEqual([])
    expect(changesDelivery(noDeliveryOptions)).toBe(false)
  })

  it("asks for a notification of each delivery outcome for 'tell me when delivered'", () => {
    expect(rulesFor({ ...noDeliveryOptions, tellWhenDelivered: true }, now)).toEqual([
      { action: "notify", condition: "deliver", value: "direct" },
      { action: "notify", condition: "deliver", value: "stored" },
      { action: "notify", condition: "deliver", value: "none" },
    ])
  })

  it("puts the blocking rules first, with an expiry time N minutes from now in UTC", () => {
    const options = {
      tellWhenDelivered: true,
      doNotStore: true,
      expireAfterMinutes: 5,
      onlyThisDevice: true,
    }
    expect(rulesFor(options, now).slice(0, 3)).toEqual([
      { action: "alert", condition: "expire-at", value: "2026-01-01T12:05:00Z" },
      { action: "alert", condition: "deliver", value: "stored" },
      { action: "alert", condition: "match-resource", value: "other" },
    ])
    expect(changesDelivery(options)).toBe(true)
    expect(describeOptions(options)).toBe(
      "expires in 5 min · not stored if offline · this device only",
    )
  })
})
