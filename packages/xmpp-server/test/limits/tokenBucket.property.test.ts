// The token bucket behind the stanza and byte rates: whatever the timing of the calls, no more
// than `burst + rate × elapsed` is ever taken, and a steady sender gets the full rate.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { TokenBucket } from "../../src/limits/TokenBucket.js"

describe("TokenBucket", () => {
  it("never lets through more than burst + rate × elapsed time", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 100 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 300 }),
        (rate, burst, gaps) => {
          const bucket = new TokenBucket(rate, burst, 0)
          let now = 0
          let taken = 0
          for (const gap of gaps) {
            now += gap
            if (bucket.take(now)) taken += 1
          }
          expect(taken).toBeLessThanOrEqual(burst + (rate * now) / 1000)
        },
      ),
    )
  })

  it("gives a sender that always waits msUntilToken the full rate", () => {
    const bucket = new TokenBucket(50, 5, 0)
    let now = 0
    let taken = 0
    while (now < 10_000) {
      if (bucket.take(now)) taken += 1
      else now += bucket.msUntilToken(now)
    }
    expect(taken).toBeGreaterThanOrEqual(5 + 50 * 10 - 1)
    expect(taken).toBeLessThanOrEqual(5 + 50 * 10)
  })

  it("pays a debt back at the rate", () => {
    const bucket = new TokenBucket(1000, 1024, 0)
    bucket.spend(3024, 0)
    expect(bucket.msUntilToken(0)).toBe(2001)
    expect(bucket.msUntilToken(2001)).toBe(0)
  })
})
