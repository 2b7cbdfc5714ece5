// What `npm run bench -- --storage` prints (bench/storageTables.ts): a table per backend, and
// PostgreSQL ÷ SQLite taken round by round (each round's runs against each other), not as a
// ratio of medians; and the server config it writes names PostgreSQL only for PostgreSQL.
import { describe, expect, it } from "vitest"
import { configText } from "../../bench/benchServer.js"
import { formatStorageTables, type StorageFigures } from "../../bench/storageTables.js"

const run = (deliveredPerSecond: number, p99: number): StorageFigures => ({
  deliveredPerSecond,
  serverCpuMicrosecondsPerMessage: 100,
  totalCpuMicrosecondsPerMessage: 150,
  p50: p99 / 2,
  p99,
})

const loads = [{ key: "routing", name: "routing, MAM off" }]

describe("the --storage tables", () => {
  it("takes PostgreSQL ÷ SQLite within each round", () => {
    const figures: Record<string, ReadonlyArray<StorageFigures>> = {
      sqlite: [run(1000, 10), run(500, 20)],
      postgres: [run(900, 20), run(500, 20)],
    }
    const text = formatStorageTables({
      backends: ["sqlite", "postgres"],
      loads,
      figuresOf: (backend) => figures[backend] ?? [],
      adduserSecondsOf: (backend) => (backend === "sqlite" ? [2, 2] : [3, 4]),
      adduserAccounts: 1000,
      rounds: 2,
      loadBefore: 1,
      loadAfter: 1,
    })
    const ratioRow = text.split("PostgreSQL ÷ SQLite in the same round")[1]?.split("\n")[2]
    // msgs/s: 0.90 and 1.00 (median 0.95); p99: 2.00 and 1.00 (median 1.50).
    expect(ratioRow).toMatch(/^routing, MAM off\s+0\.95x \[0\.90–1\.00\]/)
    expect(ratioRow).toMatch(/1\.50x \[1\.00–2\.00\]$/)
    expect(text).toContain(
      "adduser --from-file, 1000 accounts, wall s: SQLite 2.00 [2.00–2.00], PostgreSQL 3.50 [3.00–4.00], PostgreSQL ÷ SQLite 1.75x [1.50–2.00]",
    )
  })

  it("prints no ratios when one backend ran", () => {
    const text = formatStorageTables({
      backends: ["sqlite"],
      loads,
      figuresOf: () => [run(1000, 10)],
      adduserSecondsOf: () => [2],
      adduserAccounts: 1000,
      rounds: 1,
      loadBefore: 1,
      loadAfter: 1,
    })
    expect(text).toContain("\nSQLite\n")
    expect(text).not.toContain("PostgreSQL")
  })
})

describe("the bench server's config", () => {
  const base = { archive: false, ampModule: true }

  it("has no [storage] table on SQLite, so any server reads it", () => {
    expect(configText({ ...base, storage: { backend: "sqlite" } })).not.toContain("[storage]")
  })

  it("names the PostgreSQL database", () => {
    expect(
      configText({
        ...base,
        storage: { backend: "postgres", url: "postgres://xmpp@127.0.0.1:5/b" },
      }),
    ).toContain('[storage]\nbackend = "postgres"\nurl = "postgres://xmpp@127.0.0.1:5/b"\n')
  })
})
