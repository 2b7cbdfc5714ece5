// XEP-0082 UTC DateTime for expire-at (XEP-0079 §3.3.2, spec §3): accepted forms, calendar
// checks and formatting.
import { formatUtcDateTime, parseUtcDateTime } from "@xmpp-amp/amp-core"
import { describe, expect, it } from "vitest"

describe("parseUtcDateTime", () => {
  it.each([
    ["2004-01-01T00:00:00Z", Date.UTC(2004, 0, 1)],
    ["2004-01-01T00:00:00+00:00", Date.UTC(2004, 0, 1)],
    ["2004-01-01T00:00:00-00:00", Date.UTC(2004, 0, 1)],
    ["2004-09-10T08:33:14.5Z", Date.UTC(2004, 8, 10, 8, 33, 14, 500)],
    ["2004-09-10T08:33:14.123456789Z", Date.UTC(2004, 8, 10, 8, 33, 14, 123)],
    ["2024-02-29T23:59:59Z", Date.UTC(2024, 1, 29, 23, 59, 59)],
    ["2000-02-29T12:00:00Z", Date.UTC(2000, 1, 29, 12)],
    ["0001-01-01T00:00:00Z", -62135596800000],
  ])("accepts %s", (text, epoch) => {
    expect(parseUtcDateTime(text)).toBe(epoch)
  })

  it.each([
    "2004-02-30T00:00:00Z",
    "2023-02-29T00:00:00Z",
    "1900-02-29T00:00:00Z",
    "2004-04-31T00:00:00Z",
    "2004-13-01T00:00:00Z",
    "2004-00-10T00:00:00Z",
    "2004-01-00T00:00:00Z",
    "2004-01-01T24:00:00Z",
    "2004-01-01T23:60:00Z",
    "2004-01-01T23:59:60Z",
    "2004-01-01T00:00:00",
    "2004-01-01T00:00:00+01:00",
    "1969-07-20T21:56:15-05:00",
    "2004-01-01 00:00:00Z",
    "2004-01-01T00:00:00.Z",
    "2004-1-01T00:00:00Z",
    "2004-01-01T00:00:00z",
    "",
    "tomorrow",
  ])("refuses %j", (text) => {
    expect(parseUtcDateTime(text)).toBeUndefined()
  })
})

describe("formatUtcDateTime", () => {
  it("writes Z and milliseconds only when not zero, and parses back", () => {
    expect(formatUtcDateTime(Date.UTC(2004, 0, 1))).toBe("2004-01-01T00:00:00Z")
    expect(formatUtcDateTime(Date.UTC(2004, 8, 10, 8, 33, 14, 7))).toBe("2004-09-10T08:33:14.007Z")
    const instant = Date.UTC(2031, 11, 31, 23, 59, 59, 999)
    expect(parseUtcDateTime(formatUtcDateTime(instant))).toBe(instant)
  })
})
