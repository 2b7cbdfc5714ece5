// The CPU ratio of `npm run bench -- --amp` from sandwiches (bench/cpuSandwich.ts): the order of
// the runs, each AMP run's ratio to the mean of its AMP-off neighbours (a linear drift of the
// machine's speed cancels out), and the median's distribution-free confidence interval.
import { describe, expect, it } from "vitest"
import {
  formatMedianInterval,
  medianInterval,
  type SandwichRun,
  sandwichOrder,
  sandwichRatios,
} from "../../bench/cpuSandwich.js"

describe("the sandwich order", () => {
  it("puts AMP off around every AMP run and rotates the AMP loads", () => {
    expect(sandwichOrder("plain", ["silent", "notify"], 2)).toEqual([
      "plain",
      "silent",
      "plain",
      "notify",
      "plain",
      "notify",
      "plain",
      "silent",
      "plain",
    ])
  })
})

describe("the sandwich ratios", () => {
  const run = (key: string, cpu: number, bytes = 1000): SandwichRun => ({
    key,
    cpuMicrosecondsPerMessage: cpu,
    allocatedBytesPerMessage: bytes,
  })

  it("divides each AMP run by the mean of the AMP-off runs around it", () => {
    // The machine slows down linearly (AMP off 40, 50, 60, 70 µs); AMP costs 1.2x throughout.
    const runs = [
      run("plain", 40),
      run("silent", 54),
      run("plain", 50),
      run("notify", 66),
      run("plain", 60),
      run("silent", 78),
      run("plain", 70),
    ]
    const ratios = sandwichRatios(runs, "plain", (r) => r.cpuMicrosecondsPerMessage)
    expect(ratios.get("silent")?.map((x) => x.toFixed(3))).toEqual(["1.200", "1.200"])
    expect(ratios.get("notify")?.map((x) => x.toFixed(3))).toEqual(["1.200"])
  })

  it("leaves out an AMP run without AMP off on both sides", () => {
    const runs = [run("silent", 50), run("plain", 40), run("notify", 60), run("silent", 50)]
    expect([...sandwichRatios(runs, "plain", (r) => r.cpuMicrosecondsPerMessage)]).toEqual([])
  })
})

describe("the median's interval", () => {
  it("takes the 4th lowest and highest of 15 values at 95 % (coverage 96.5 %)", () => {
    const values = Array.from({ length: 15 }, (_, index) => 15 - index)
    const interval = medianInterval(values)
    expect(interval).toMatchObject({ median: 8, min: 1, max: 15, low: 4, high: 12 })
    expect(interval.coverage).toBeCloseTo(1 - (2 * 576) / 32768, 10)
    expect(formatMedianInterval(interval, 1, "x")).toBe("8.0x [4.0–12.0 at 96 %] (1.0–15.0)")
  })

  it("has no interval below 6 values, and the extremes at 6", () => {
    expect(Number.isNaN(medianInterval([1, 2, 3, 4, 5]).low)).toBe(true)
    expect(formatMedianInterval(medianInterval([1, 2, 3, 4, 5]), 0)).toBe(
      "3 [too few for an interval] (1–5)",
    )
    expect(medianInterval([6, 1, 2, 3, 4, 5])).toMatchObject({ median: 3.5, low: 1, high: 6 })
  })
})
