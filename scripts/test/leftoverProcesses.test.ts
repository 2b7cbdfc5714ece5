// `npm test` fails when a process it started is still alive at its end
// (scripts/leftover-processes.mjs): a process that carries the run's marker is found even when
// detached and re-parented, listed with its command line and killed; others are left alone.
import { spawn, spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { afterEach, describe, expect, it } from "vitest"
import {
  newRunMarker,
  processesWithMarker,
  runMarkerName,
  stopLeftovers,
} from "../leftover-processes.mjs"

const spawned: number[] = []
afterEach(() => {
  for (const pid of spawned.splice(0)) {
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // already gone
    }
  }
})

// Alive and not a zombie (a killed orphan may wait a moment for PID 1 to reap it).
const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"))
  } catch {
    return false
  }
}

// A child script that starts a detached sleeper and exits at once, leaving it behind.
const leaveSleeperBehind = (marker: string): number => {
  const script = `
    const { spawn } = require("node:child_process")
    const sleeper = spawn("sleep", ["300"], { detached: true, stdio: "ignore" })
    sleeper.unref()
    console.log(sleeper.pid)
  `
  const result = spawnSync(process.execPath, ["-e", script], {
    env: { ...process.env, [runMarkerName]: marker },
    encoding: "utf8",
  })
  const pid = Number(result.stdout.trim())
  spawned.push(pid)
  return pid
}

describe("leftover processes", () => {
  it("finds a detached sleeper a child left behind, kills it and reports it", async () => {
    const marker = newRunMarker()
    const sleeper = leaveSleeperBehind(marker)
    expect(alive(sleeper)).toBe(true)
    expect(processesWithMarker(marker)).toEqual([{ pid: sleeper, commandLine: "sleep 300" }])

    const leftovers = await stopLeftovers(marker, { graceMs: 200 })
    expect(leftovers).toEqual([{ pid: sleeper, commandLine: "sleep 300" }])
    await expect.poll(() => alive(sleeper)).toBe(false)
    expect(processesWithMarker(marker)).toEqual([])
  })

  it("leaves processes of another run or of none alone", async () => {
    const other = leaveSleeperBehind(newRunMarker())
    const unmarked = spawn("sleep", ["300"], { stdio: "ignore" })
    spawned.push(unmarked.pid ?? 0)
    expect(await stopLeftovers(newRunMarker(), { graceMs: 0 })).toEqual([])
    expect(alive(other)).toBe(true)
    expect(alive(unmarked.pid ?? 0)).toBe(true)
  })

  it("does not count a process that ends within the grace period", async () => {
    const marker = newRunMarker()
    const brief = spawn("sleep", ["0.3"], {
      env: { ...process.env, [runMarkerName]: marker },
      stdio: "ignore",
    })
    spawned.push(brief.pid ?? 0)
    const exited = new Promise((done) => brief.on("exit", done))
    expect(processesWithMarker(marker).map((p) => p.pid)).toEqual([brief.pid])
    const leftovers = stopLeftovers(marker, { graceMs: 5000 })
    await exited
    expect(await leftovers).toEqual([])
  })
})
