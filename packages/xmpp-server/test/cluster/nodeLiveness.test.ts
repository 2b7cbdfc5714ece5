// The PostgreSQL side of "is that node really dead" (src/cluster/NodeLiveness.ts, spec/cluster.md
// guarantee 6): a running node holds its advisory lock, so survivors do not take over its
// durable work; once it released the lock (stopped or died) they do; and a node whose lock
// connection was cut (PostgreSQL restarted, connection killed) takes the lock again by itself.
import pg from "pg"
import { afterAll, describe, expect, it } from "vitest"
import { holdNodeLock, whileDead } from "../../src/cluster/NodeLiveness.js"
import type { Logger } from "../../src/index.js"
import { freshPostgresDatabase } from "../helpers/testStorage.js"

const events: Array<string> = []
const logger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (event) => void events.push(event),
  error: (event) => void events.push(event),
  child: () => logger,
}

const clients: Array<pg.Client> = []
afterAll(async () => {
  for (const client of clients) await client.end().catch(() => undefined)
})

const until = async (check: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time")
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe("node liveness in PostgreSQL", () => {
  it("keeps a live node's lock, frees it when the node goes, and takes it back after a cut", async () => {
    const url = await freshPostgresDatabase()
    let ran = 0
    const recover = () =>
      whileDead(url, "n1", logger, async () => {
        ran += 1
      })
    const lock = await holdNodeLock(url, "n1", logger)
    expect(await recover()).toBe(false)
    expect(ran).toBe(0)
    // The lock's connection is cut (as by a PostgreSQL restart): it comes back by itself.
    const admin = new pg.Client({ connectionString: url })
    clients.push(admin)
    await admin.connect()
    const holders = await admin.query<{ pid: number }>(
      "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted",
    )
    expect(holders.rows).toHaveLength(1)
    await admin.query("SELECT pg_terminate_backend($1)", [holders.rows[0]?.pid])
    await until(async () => events.includes("cluster-lock-back"), 10_000)
    expect(events).toContain("cluster-lock-lost")
    expect(await recover()).toBe(false)
    // Released (the node stopped or died): a survivor's recovery runs, once per call.
    await lock.release()
    expect(await recover()).toBe(true)
    expect(ran).toBe(1)
  }, 30_000)
})
