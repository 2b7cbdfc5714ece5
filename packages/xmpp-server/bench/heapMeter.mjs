// Loaded into the server under test (`node --import bench/heapMeter.mjs`) so the bench can read
// what the server itself spent in one load window, independent of how busy the machine is:
// V8 heap bytes allocated and CPU time. The generator sends SIGUSR2 at the start and at the
// end of its exchange; at the end this appends one JSON line to $BENCH_HEAP_METER_FILE:
//   {"allocatedBytes":…, "cpuMicroseconds":…, "scavenges":…, "markCompacts":…, "gcMilliseconds":…}
// Bytes allocated are summed from V8's own GC records (v8.GCProfiler): the growth of the used
// heap between one collection's end and the next one's start, plus the growth after the last
// one, so what a collection frees or moves is not counted. Plain JavaScript (no tsx), so a
// server run from its built files loads nothing else with it.
// With $BENCH_HEAP_PROFILE_DIR set it also records a sampling heap profile of the window
// (objects already collected included) there, for finding where the bytes are allocated; with
// $BENCH_CPU_PROFILE_DIR a CPU profile of the window (start-up and logins left out).
import { appendFileSync, writeFileSync } from "node:fs"
import { Session } from "node:inspector"
import { join } from "node:path"
import v8 from "node:v8"

const resultFile = process.env.BENCH_HEAP_METER_FILE
const profileDirectory = process.env.BENCH_HEAP_PROFILE_DIR
const cpuProfileDirectory = process.env.BENCH_CPU_PROFILE_DIR
const wanted = (directory) => directory !== undefined && directory !== ""

/** @type {{ profiler: v8.GCProfiler, usedAtStart: number, cpu: NodeJS.CpuUsage } | undefined} */
let window
let windows = 0
/** @type {Session | undefined} */
let inspector

const post = (method, params) =>
  new Promise((resolve, reject) => {
    inspector?.post(method, params, (error, result) => (error ? reject(error) : resolve(result)))
  })

const startProfile = () => {
  if (!wanted(profileDirectory) && !wanted(cpuProfileDirectory)) return
  inspector = new Session()
  inspector.connect()
  if (wanted(profileDirectory)) {
    post("HeapProfiler.enable", {})
    post("HeapProfiler.startSampling", {
      samplingInterval: 256,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    })
  }
  if (wanted(cpuProfileDirectory)) {
    post("Profiler.enable", {})
    post("Profiler.start", {})
  }
}

const stopProfile = async (index) => {
  if (inspector === undefined) return
  if (wanted(cpuProfileDirectory)) {
    const { profile } = /** @type {{ profile: unknown }} */ (await post("Profiler.stop"))
    writeFileSync(
      join(cpuProfileDirectory ?? ".", `window-${process.pid}-${index}.cpuprofile`),
      JSON.stringify(profile),
    )
  }
  if (wanted(profileDirectory)) {
    const { profile } = /** @type {{ profile: unknown }} */ (
      await post("HeapProfiler.stopSampling")
    )
    writeFileSync(
      join(profileDirectory ?? ".", `window-${process.pid}-${index}.heapprofile`),
      JSON.stringify(profile),
    )
  }
  inspector.disconnect()
  inspector = undefined
}

const start = () => {
  const profiler = new v8.GCProfiler()
  startProfile()
  const usedAtStart = v8.getHeapStatistics().used_heap_size
  profiler.start()
  window = { profiler, usedAtStart, cpu: process.cpuUsage() }
}

const stop = async () => {
  if (window === undefined) return
  const { profiler, usedAtStart, cpu } = window
  window = undefined
  const cpuUsed = process.cpuUsage(cpu)
  const usedAtEnd = v8.getHeapStatistics().used_heap_size
  const records = profiler.stop()?.statistics ?? []
  let allocated = 0
  let usedAfterPrevious = usedAtStart
  let markCompacts = 0
  let gcMicroseconds = 0
  for (const record of records) {
    allocated += Math.max(0, record.beforeGC.heapStatistics.usedHeapSize - usedAfterPrevious)
    usedAfterPrevious = record.afterGC.heapStatistics.usedHeapSize
    if (record.gcType === "MarkSweepCompact") markCompacts++
    gcMicroseconds += record.cost
  }
  allocated += Math.max(0, usedAtEnd - usedAfterPrevious)
  const index = windows++
  await stopProfile(index)
  if (resultFile === undefined || resultFile === "") return
  appendFileSync(
    resultFile,
    `${JSON.stringify({
      window: index,
      allocatedBytes: allocated,
      cpuMicroseconds: cpuUsed.user + cpuUsed.system,
      collections: records.length,
      markCompacts,
      gcMilliseconds: gcMicroseconds / 1000,
    })}\n`,
  )
}

process.on("SIGUSR2", () => {
  if (window === undefined) start()
  else void stop()
})
