// InFlight: what a graceful stop waits for — promises and counted work, including work that
// starts while it waits.
import { describe, expect, it } from "vitest"
import { InFlight } from "../../src/core/InFlight.js"

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

describe("InFlight", () => {
  it("settles at once when nothing runs", async () => {
    await expect(new InFlight().settled()).resolves.toBeUndefined()
  })

  it("waits for counted work and promises, work begun meanwhile included", async () => {
    const inFlight = new InFlight()
    let finish: () => void = () => undefined
    inFlight.track(new Promise<void>((resolve) => (finish = resolve)))
    inFlight.enter()
    let settled = false
    void inFlight.settled().then(() => (settled = true))
    inFlight.leave()
    inFlight.enter()
    await tick()
    expect(settled).toBe(false)
    expect(inFlight.size).toBe(2)
    finish()
    await tick()
    expect(settled).toBe(false)
    inFlight.leave()
    await tick()
    expect(settled).toBe(true)
    expect(inFlight.size).toBe(0)
  })

  it("counts a failed promise as ended and leaves its failure to the caller", async () => {
    const inFlight = new InFlight()
    const failing = inFlight.track(Promise.reject(new Error("boom")))
    await expect(failing).rejects.toThrow("boom")
    await inFlight.settled()
    expect(inFlight.size).toBe(0)
  })
})
