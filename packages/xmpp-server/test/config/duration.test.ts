// Durations as `[modules.mam] archive_expires_after` takes them: a count and a unit, or "never".
import { describe, expect, it } from "vitest"
import { parseDuration } from "../../src/config/Duration.js"

describe("parseDuration", () => {
  it.each([
    ["30s", 30_000],
    ["90min", 5_400_000],
    ["12h", 43_200_000],
    ["7d", 604_800_000],
    ["2w", 1_209_600_000],
    ["1y", 31_536_000_000],
    [" 3 d ", 259_200_000],
    ["never", "never"],
  ])("reads %j", (text, expected) => {
    expect(parseDuration(text)).toBe(expected)
  })

  it.each(["", "7", "0s", "1m", "1 month", "-1h", "1.5h", "99999999999999999y"])(
    "refuses %j",
    (text) => {
      expect(parseDuration(text)).toBeUndefined()
    },
  )
})
