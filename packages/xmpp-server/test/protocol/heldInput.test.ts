// src/stream/HeldInput.ts: input that arrives while a stream awaits an answer is handled after
// it, in arrival order, reading pauses meanwhile, and a flood is cut off.
import { describe, expect, it } from "vitest"
import { HeldInput } from "../../src/stream/HeldInput.js"

const setUp = (limit?: number) => {
  const events: Array<string> = []
  const held = new HeldInput(
    {
      pauseReading: () => events.push("pause"),
      resumeReading: () => events.push("resume"),
      overflow: (text) => events.push(`overflow: ${text}`),
    },
    limit,
  )
  return { events, held }
}

describe("HeldInput", () => {
  it("handles held input after the release, in order, pausing reading meanwhile", () => {
    const { events, held } = setUp()
    expect(held.holding).toBe(false)
    const release = held.hold()
    expect(held.holding).toBe(true)
    held.later(() => events.push("first"))
    held.later(() => events.push("second"))
    events.push("answer")
    release()
    release()
    expect(events).toEqual(["pause", "answer", "resume", "first", "second"])
    expect(held.holding).toBe(false)
  })

  it("stops handling when a held action holds again, and goes on at its release", () => {
    const { events, held } = setUp()
    const release = held.hold()
    let inner: (() => void) | undefined
    held.later(() => {
      events.push("auth")
      inner = held.hold()
    })
    held.later(() => events.push("response"))
    release()
    expect(events).toEqual(["pause", "resume", "auth", "pause"])
    expect(held.holding).toBe(true)
    inner?.()
    expect(events).toEqual(["pause", "resume", "auth", "pause", "resume", "response"])
  })

  it("drops what waited and resumes reading when the stream ends", () => {
    const { events, held } = setUp()
    const release = held.hold()
    held.later(() => events.push("never"))
    held.stop()
    release()
    expect(events).toEqual(["pause", "resume"])
    expect(held.holding).toBe(false)
  })

  it("cuts off a client that piles up more than the limit", () => {
    const { events, held } = setUp(2)
    held.hold()
    for (let index = 0; index < 5; index++) held.later(() => events.push(`element ${index}`))
    expect(events).toEqual([
      "pause",
      "resume",
      "overflow: too much input while authentication was being checked",
    ])
  })
})
