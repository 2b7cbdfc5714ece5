// Summarises a CPU profile written by bench/heapMeter.mjs ($BENCH_CPU_PROFILE_DIR, one load
// window): self time per function in % of the busy time, largest first.
//   node --import tsx bench/cpuProfileSummary.ts /tmp/cpu/window-123-1.cpuprofile [30]
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { type CpuProfile, summariseProfile } from "./peers/CpuProfile.js"

const [file, topText = "30"] = process.argv.slice(2)
if (file === undefined) throw new Error("usage: cpuProfileSummary.ts <file.cpuprofile> [top]")
const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile
const summary = summariseProfile(
  profile,
  [0, Number.MAX_SAFE_INTEGER],
  join(import.meta.dirname, "..", "..", ".."),
  Number(topText),
)
process.stdout.write(
  `busy ${summary.busyMilliseconds.toFixed(0)} ms, idle ${summary.idleMilliseconds.toFixed(0)} ms\n`,
)
for (const entry of summary.top)
  process.stdout.write(`${entry.percent.toFixed(1).padStart(6)}%  ${entry.location}\n`)
