// HandoffTracker finds the oldest pending write by walking a counter up instead of iterating its
// set (src/sm/Handoff.ts): whatever the order of writes, completions and waits, its tasks run at
// the same moments and in the same order as with the iterator it had before (the model below).
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { HandoffTracker } from "../../src/sm/Handoff.js"

/** The tracker as it was: the oldest pending write from the set's iterator. */
class IteratorTracker {
  private issued = 0
  private readonly pending = new Set<number>()
  private readonly waiters: Array<{ readonly upTo: number; readonly run: () => void }> = []

  begin(): () => void {
    this.issued += 1
    const sequence = this.issued
    this.pending.add(sequence)
    return () => {
      this.pending.delete(sequence)
      this.release()
    }
  }

  whenSettled(task: () => void): void {
    if (this.pending.size === 0) return void task()
    this.waiters.push({ upTo: this.issued, run: task })
  }

  private release(): void {
    const oldest = this.pending.values().next()
    const settledUpTo = oldest.done === true ? this.issued : oldest.value - 1
    while (this.waiters.length > 0 && (this.waiters[0]?.upTo ?? 0) <= settledUpTo) {
      this.waiters.shift()?.run()
    }
  }
}

type Step =
  | { readonly kind: "begin" }
  | { readonly kind: "wait" }
  | { readonly kind: "done"; readonly pick: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constant({ kind: "begin" as const }),
  fc.constant({ kind: "wait" as const }),
  fc.nat().map((pick) => ({ kind: "done" as const, pick })),
)

/** Runs `steps` on a tracker; returns the log of what ran, step by step. */
const play = (tracker: HandoffTracker | IteratorTracker, steps: ReadonlyArray<Step>): string[] => {
  const log: Array<string> = []
  const dones: Array<() => void> = []
  steps.forEach((current, index) => {
    if (current.kind === "begin") dones.push(tracker.begin())
    else if (current.kind === "wait") tracker.whenSettled(() => log.push(`task ${index}`))
    else if (dones.length > 0) {
      // Completions in any order, some twice (a done called again must change nothing).
      const done = dones[current.pick % dones.length]
      if (current.pick % 3 !== 0) dones.splice(current.pick % dones.length, 1)
      done?.()
    }
    log.push(`after step ${index}`)
  })
  return log
}

describe("HandoffTracker", () => {
  it("runs its tasks when and in the order the iterator-based tracker did", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), (steps) => {
        expect(play(new HandoffTracker(), steps)).toEqual(play(new IteratorTracker(), steps))
      }),
      { numRuns: 2000 },
    )
  })
})
