// Nodes sharing one PostgreSQL database (spec/cluster.md guarantees 2 and 5): a due AMP rule is
// claimed by one process at a time (two concurrent sweeps never get the same row, a claim of a
// process that died is claimable again once its lease is over, `get` waits for another
// process's claim), and XEP-0198 seq blocks of two processes never overlap.

import pg from "pg"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { postgresAmpPending } from "../../src/storage/postgres/PostgresAmpPending.js"
import { openPostgresBackend } from "../../src/storage/postgres/PostgresBackend.js"
import { postgresSmPending } from "../../src/storage/postgres/PostgresSmPending.js"
import type { AmpPendingRepository } from "../../src/storage/repositories/AmpPendingRepository.js"
import { type PrivatePostgres, startPrivatePostgres } from "../helpers/privatePostgres.js"
import { expectValue } from "./repositories/backendMatrix.js"

const row = (n: number, expiresAt = 1000 + n) => ({
  id: `rule-${n}`,
  recipient: "juliet@example.com",
  expiresAt,
  data: "{}",
})

describe("shared PostgreSQL: claims and seq blocks", () => {
  let postgres: PrivatePostgres | undefined
  const pools: Array<pg.Pool> = []
  let databases = 0
  let url = ""

  beforeAll(async () => {
    postgres = await startPrivatePostgres()
  }, 180_000)
  afterAll(async () => {
    for (const pool of pools) await pool.end()
    postgres?.stop()
  })
  beforeEach(async () => {
    if (postgres === undefined) throw new Error("PostgreSQL did not start")
    databases += 1
    url = await postgres.createDatabase(`claims_${databases}`)
    // Migrated as a server does.
    await expectValue(await openPostgresBackend({ url, poolSize: 2 })).close()
  })

  /** A process of its own: its own pool, claiming as `name`. */
  const process = (name: string, leaseMilliseconds = 5000): AmpPendingRepository => {
    const pool = new pg.Pool({ connectionString: url, max: 4 })
    pools.push(pool)
    return postgresAmpPending(pool, { claimant: name, leaseMilliseconds })
  }

  it("gives each due row to one of two concurrent sweeps", async () => {
    const a = process("a")
    const b = process("b")
    for (let n = 0; n < 200; n += 1) expectValue(await a.put(row(n)))
    // Each round, both sweep at the same moment (their own connections).
    const byA: Array<string> = []
    const byB: Array<string> = []
    for (let round = 0; round < 50; round += 1) {
      const [dueA, dueB] = await Promise.all([a.due(10_000, 7), b.due(10_000, 7)])
      byA.push(...expectValue(dueA).map((found) => found.id))
      byB.push(...expectValue(dueB).map((found) => found.id))
      if (expectValue(dueA).length === 0 && expectValue(dueB).length === 0) break
    }
    const all = [...byA, ...byB]
    expect(new Set(all).size).toBe(all.length)
    expect(all.length).toBe(200)
    expect(byA.length).toBeGreaterThan(0)
    expect(byB.length).toBeGreaterThan(0)
  })

  it("lets another process take a row once the claimant's lease is over", async () => {
    const dead = process("dead", 300)
    const survivor = process("survivor", 300)
    expectValue(await dead.put(row(1)))
    expect(expectValue(await dead.due(10_000, 10)).map((found) => found.id)).toEqual(["rule-1"])
    expect(await survivor.due(10_000, 10)).toEqual([])
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(expectValue(await survivor.due(10_000, 10)).map((found) => found.id)).toEqual(["rule-1"])
    // A put (its next rule) ends the claim: due again for anyone.
    expectValue(await survivor.put(row(1, 2000)))
    expect(expectValue(await dead.due(10_000, 10)).map((found) => found.id)).toEqual(["rule-1"])
  })

  it("makes get wait for another process's claim: the row it fired is gone", async () => {
    const sweeper = process("sweeper")
    const delivering = process("delivering")
    expectValue(await sweeper.put(row(1)))
    expectValue(await sweeper.due(10_000, 10))
    let answered = false
    const got = delivering.get("rule-1").then((outcome) => {
      answered = true
      return outcome
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(answered).toBe(false)
    expectValue(await sweeper.remove("rule-1"))
    expect(await got).toBeUndefined()
    // Unclaimed rows and the claimant's own rows are answered at once.
    expectValue(await sweeper.put(row(2)))
    expect(await delivering.get("rule-2")).toEqual(row(2))
    expect(await delivering.get("rule-2")).toEqual(row(2))
    expect(await sweeper.due(10_000, 10)).toEqual([])
  })

  it("hands two processes XEP-0198 seq blocks that never overlap", async () => {
    const first = new pg.Pool({ connectionString: url, max: 2 })
    const second = new pg.Pool({ connectionString: url, max: 2 })
    pools.push(first, second)
    const blocks = await Promise.all([
      postgresSmPending(first).reserveSeqs(),
      postgresSmPending(second).reserveSeqs(),
      postgresSmPending(first).reserveSeqs(),
    ])
    const sorted = blocks.map(expectValue).sort((x, y) => x.first - y.first)
    for (const [index, block] of sorted.entries()) {
      expect(block.last).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER)
      const next = sorted[index + 1]
      if (next !== undefined) expect(next.first).toBeGreaterThan(block.last)
    }
  })
})
