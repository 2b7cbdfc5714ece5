// Cluster soak (issue 23 item 4, docs/reliability.md): three nodes, stream-managed users spread
// over them, seeded drops with resumption on another node, new sessions, time away and logouts,
// one node SIGKILLed mid-run and restarted later. Every message a sender's server acknowledged
// (XEP-0198) must reach its recipient, once except where XEP-0198 §5 allows a redelivery
// (SoakLedger); resuming a session of the killed node must fail with `item-not-found`, and a
// session whose node ran all along must resume on another node within `resume_timeout`.
// Runs in the `cluster-soak` vitest project (PostgreSQL). SOAK_SEED=<n> replays a run's choices.
import { writeFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { type ClusterSoakResult, runClusterSoak } from "./clusterSoakRun.js"

const seed = Number(process.env.SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31))
const resumeTimeout = 3
const limitMs = 300_000

const tally = (result: ClusterSoakResult): Record<string, number> => {
  const counts: Record<string, number> = {}
  for (const attempt of result.resumes) {
    const key = `${attempt.expected}->${attempt.outcome}`
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}

const summary = (result: ClusterSoakResult): string => {
  const { verdict } = result
  return [
    `cluster soak seed=${seed}:`,
    `sent ${verdict.sent}, acked ${verdict.acked}, acked delivered ${verdict.ackedDelivered},`,
    `duplicates ${verdict.badDuplicates.length} (+${verdict.allowedDuplicates} allowed re-deliveries),`,
    `lost ${verdict.lost.length}; unacked delivered ${verdict.unackedDelivered}, unacked lost ${verdict.unackedLost};`,
    `arrived only at the final re-login ${result.arrivedOnlyAtFinalLogin};`,
    `resumptions (expected->outcome) ${JSON.stringify(tally(result))}, new sessions ${result.freshSessions};`,
    `faults ${JSON.stringify(result.faults)};`,
    `killed ${result.killed}, detected after ${result.detectedAfterMs} ms, recovery ${JSON.stringify(result.recovery)};`,
    `${result.seconds.toFixed(1)} s`,
    Object.keys(result.unackedAtEnd).length === 0
      ? ""
      : `; still unacknowledged at the end: ${JSON.stringify(result.unackedAtEnd)}`,
  ].join(" ")
}

describe("cluster soak", () => {
  it(
    "delivers every acknowledged message once across resumptions on other nodes and a node's SIGKILL",
    async () => {
      const result = await runClusterSoak({
        seed,
        users: 15,
        messages: 4_000,
        rate: 150,
        faultEvery: 150,
        resumeTimeout,
        log: (line) => console.log(line),
        limitMs,
      })
      const context = `seed ${seed} (SOAK_SEED=${seed} replays it): ${summary(result)}`
      console.log(summary(result))
      // CLUSTER_SOAK_REPORT=<file>: the whole verdict and every resumption attempt, as JSON.
      const report = process.env.CLUSTER_SOAK_REPORT
      if (report !== undefined) writeFileSync(report, JSON.stringify({ seed, ...result }, null, 1))
      const { verdict } = result
      expect(verdict.lost, `acknowledged but never delivered, ${context}`).toEqual([])
      expect(verdict.badDuplicates, `delivered twice, ${context}`).toEqual([])
      expect(verdict.misrouted, context).toEqual([])
      expect(result.impossibleAcks, `acks for more than was sent, ${context}`).toBe(0)
      expect(verdict.acked, context).toBeGreaterThan(verdict.sent * 0.5)
      expect(result.detectedNode, context).toBe(result.killed)
      // Resumption: the killed node's sessions fail cleanly; the others resume elsewhere.
      const deadNode = result.resumes.filter((each) => each.expected === "item-not-found")
      expect(
        deadNode.length,
        `no resumption of the killed node's sessions, ${context}`,
      ).toBeGreaterThan(0)
      expect(
        deadNode.filter((each) => each.outcome !== "item-not-found"),
        `killed node's sessions, ${context}`,
      ).toEqual([])
      const alive = result.resumes.filter((each) => each.expected === "resumed")
      expect(alive.filter((each) => each.on !== each.heldBy).length, context).toBeGreaterThan(0)
      expect(
        alive.filter((each) => each.outcome !== "resumed"),
        `sessions on a running node that did not resume, ${context}`,
      ).toEqual([])
    },
    limitMs,
  )
})
