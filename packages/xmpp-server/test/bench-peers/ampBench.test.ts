// The pieces of `npm run bench -- --amp` and `--cold` that decide what is printed: the median
// and spread over rounds, the per-client rate of the cold load, and the server-side heap meter
// (bench/heapMeter.mjs), run in a real child process that allocates a known amount in a window.
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { afterEach, describe, expect, it } from "vitest"
import { perClientRate } from "../../bench/coldStart.js"
import { formatSpread, spreadOf } from "../../bench/roundStats.js"

describe("median and spread over rounds", () => {
  it("gives the middle round and the extremes", () => {
    expect(spreadOf([3, 1, 2, 5, 4])).toEqual({ median: 3, min: 1, max: 5 })
    expect(spreadOf([4, 1, 2, 3])).toEqual({ median: 2.5, min: 1, max: 4 })
    expect(formatSpread(spreadOf([1.234, 1.1, 1.5]), 2, "x")).toBe("1.23x [1.10–1.50]")
  })

  it("leaves runs without a figure out, and says so when none has one", () => {
    expect(spreadOf([Number.NaN, 2, 4])).toEqual({ median: 3, min: 2, max: 4 })
    expect(Number.isNaN(spreadOf([]).median)).toBe(true)
  })
})

describe("the cold load's rate per client", () => {
  it("splits the total evenly", () => expect(perClientRate(2000, 1000)).toBe(2))

  it("refuses a total that does not split into whole messages per client", () => {
    expect(() => perClientRate(1500, 1000)).toThrow(/--cold-rate 1500 must be a whole multiple/)
    expect(() => perClientRate(500, 1000)).toThrow(/--cold-clients 1000/)
  })
})

describe("the heap meter", () => {
  let directory: string | undefined
  afterEach(() => {
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true })
    directory = undefined
  })

  it("reports the bytes a process allocated between two SIGUSR2, collections included", async () => {
    directory = mkdtempSync(join(tmpdir(), "heap-meter-"))
    const resultFile = join(directory, "meter.jsonl")
    const script = join(directory, "allocate.mjs")
    // 40 batches of 100,000 arrays of 8 numbers kept where the optimiser cannot elide them (an
    // array object and 64 bytes of elements each, over 80 bytes): at least 320 MB, far more than
    // a young generation, so the count must span collections.
    writeFileSync(
      script,
      [
        "const kept = new Array(1024)",
        "const batch = () => { for (let i = 0; i < 100000; i++) kept[i & 1023] = [i, i, i, i, i, i, i, i + 0.5] }",
        "process.kill(process.pid, 'SIGUSR2')",
        "let left = 40",
        "const step = () => { batch(); if (--left > 0) setImmediate(step); else { process.kill(process.pid, 'SIGUSR2'); setTimeout(() => process.exit(0), 200) } }",
        "setImmediate(step)",
      ].join("\n"),
    )
    const meter = pathToFileURL(
      join(import.meta.dirname, "..", "..", "bench", "heapMeter.mjs"),
    ).href
    const child = spawn(process.execPath, ["--import", meter, script], {
      env: { ...process.env, BENCH_HEAP_METER_FILE: resultFile },
      stdio: "ignore",
    })
    const code = await new Promise((resolve) => child.once("exit", resolve))
    expect(code).toBe(0)
    const record = JSON.parse(readFileSync(resultFile, "utf8").trim()) as {
      allocatedBytes: number
      collections: number
      cpuMicroseconds: number
    }
    expect(record.allocatedBytes).toBeGreaterThan(320_000_000)
    expect(record.allocatedBytes).toBeLessThan(2_000_000_000)
    expect(record.collections).toBeGreaterThan(5)
    expect(record.cpuMicroseconds).toBeGreaterThan(0)
  }, 60_000)
})
