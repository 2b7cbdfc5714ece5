// Soak test with faults (issue 10 item 4): 10,000 chat messages between stream-managed users
// (XEP-0198 with resumption) while they drop their connections, resume, start new sessions,
// stay away until their messages go to offline storage (XEP-0160), and the server is
// restarted in the middle. Every message the server acknowledged to its sender must reach its
// recipient exactly once (XEP-0198's allowed re-deliveries aside, see SoakLedger), and the
// server's memory must come back to its baseline. SOAK_SEED=<n> replays a run's choices.
import { describe, expect, it } from "vitest"
import { runSoak, type SoakResult } from "./soakRun.js"

const seed = Number(process.env.SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31))

const megabytes = (bytes: number): string => (bytes / 2 ** 20).toFixed(1)

const summary = (label: string, result: SoakResult): string => {
  const { verdict } = result
  return [
    `soak ${label} seed=${seed}:`,
    `sent ${verdict.sent}, acked ${verdict.acked}, acked delivered ${verdict.ackedDelivered},`,
    `duplicates ${verdict.badDuplicates.length} (+${verdict.allowedDuplicates} allowed re-deliveries),`,
    `lost ${verdict.lost.length}; unacked delivered ${verdict.unackedDelivered}, unacked lost ${verdict.unackedLost};`,
    `resumptions ${result.resumptions}, reconnects ${result.freshSessions} (failed resumes ${result.resumeFailures}),`,
    `faults ${JSON.stringify(result.faults)}, restarts 1;`,
    `RSS before ${megabytes(result.rssBefore * 1024)} MB, after ${megabytes(result.rssAfter * 1024)} MB,`,
    `logged out ${megabytes(result.rssLoggedOut * 1024)} MB;`,
    `heap after GC before ${megabytes(result.heapBefore)} MB, after ${megabytes(result.heapAfter)} MB;`,
    `${result.seconds.toFixed(1)} s`,
    Object.keys(result.unackedAtEnd).length === 0
      ? ""
      : `; still unacknowledged at the end: ${JSON.stringify(result.unackedAtEnd)}`,
  ].join(" ")
}

const expectExactlyOnce = (result: SoakResult): void => {
  const { verdict } = result
  const context = `seed ${seed} (SOAK_SEED=${seed} replays it)`
  expect(verdict.lost, `acknowledged but never delivered, ${context}`).toEqual([])
  expect(verdict.badDuplicates, `delivered twice, ${context}`).toEqual([])
  expect(verdict.misrouted, context).toEqual([])
  expect(result.impossibleAcks, `acks for more than was sent, ${context}`).toBe(0)
  // The proof is about acknowledged messages, so most must be: on a quiet machine 99 % are;
  // under overload (CI runs two suites on two cores) acks slow down, more reconnects miss the
  // 2 s resume_timeout and their messages end unacknowledged (63–74 % seen with busy loops).
  expect(verdict.acked, context).toBeGreaterThan(verdict.sent * 0.5)
  expect(result.resumptions, context).toBeGreaterThan(0)
}

describe("soak with faults", () => {
  it("delivers every acknowledged message once across drops, resumptions and a SIGTERM restart", async () => {
    const result = await runSoak({
      seed,
      users: 30,
      messages: 10_000,
      restart: "SIGTERM",
      rate: 400,
      faultEvery: 120,
      log: (line) => console.log(line),
    })
    console.log(summary("SIGTERM", result))
    expectExactlyOnce(result)
    expect(result.restartExitCode).toBe(0)
    // Memory, with the same 30 idle sessions before and after the second half (5,000 messages
    // with faults). The collected heap (after a full GC) is what the server still references:
    // it may grow by 25% (at least 8 MB) — retaining each message of the half would add more
    // (5,000 × a few kB). RSS also holds what V8 grew under load and keeps (young generation,
    // fragmentation, code): it may grow by 25% (at least 24 MB). See docs/reliability.md.
    const heapTolerance = Math.max(result.heapBefore * 0.25, 8 * 2 ** 20)
    expect(result.heapAfter, `heap grew, ${summary("SIGTERM", result)}`).toBeLessThanOrEqual(
      result.heapBefore + heapTolerance,
    )
    const rssTolerance = Math.max(result.rssBefore * 0.25, 24 * 1024)
    expect(result.rssAfter, `RSS grew, ${summary("SIGTERM", result)}`).toBeLessThanOrEqual(
      result.rssBefore + rssTolerance,
    )
  }, 120_000)

  it("delivers every acknowledged message once across drops, resumptions and a SIGKILL restart", async () => {
    const result = await runSoak({
      seed: seed + 1,
      users: 20,
      messages: 3_000,
      restart: "SIGKILL",
      rate: 400,
      faultEvery: 120,
      log: (line) => console.log(line),
    })
    console.log(summary("SIGKILL", result))
    expectExactlyOnce(result)
  }, 90_000)
})
