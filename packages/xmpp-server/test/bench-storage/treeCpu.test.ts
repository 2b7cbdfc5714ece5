// The database CPU the benches report (bench/processStats.ts `treeCpuMillisecondsOf`): the CPU
// of a process and all its children, including children that already exited, as PostgreSQL's
// backends do when a connection closes. Counting only living children made the figure drop
// (negative per message) whenever a backend ended during a window.
import { spawn } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { setTimeout as sleep } from "node:timers/promises"
import { afterEach, describe, expect, it } from "vitest"
import { treeCpuMillisecondsOf } from "../../bench/processStats.js"

/** The command names of `pid`'s living children. */
const childrenOf = (pid: number): Array<string> =>
  readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, "utf8")
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
        return Number(fields[1]) === pid
          ? [stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))]
          : []
      } catch {
        return []
      }
    })

describe("the CPU of a process tree", () => {
  let stopParent: (() => void) | undefined
  afterEach(() => {
    stopParent?.()
    stopParent = undefined
  })

  it("keeps the CPU of a child that ran and exited", async () => {
    // The parent shell runs a busy child shell, waits for it, then sleeps: the busy child's
    // CPU is then only in the parent's cutime.
    const parent = spawn(
      "sh",
      ["-c", "sh -c 'i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done'; exec sleep 30"],
      { stdio: "ignore" },
    )
    stopParent = () => parent.kill("SIGKILL")
    const pid = parent.pid ?? 0
    // Wait (at most 60 s) until the busy child is gone and only `sleep` is left.
    for (let attempt = 0; attempt < 600; attempt++) {
      const children = childrenOf(pid)
      if (children.length === 0 && readFileSync(`/proc/${pid}/stat`, "utf8").includes("(sleep)"))
        break
      await sleep(100)
    }
    expect(readFileSync(`/proc/${pid}/stat`, "utf8")).toContain("(sleep)")
    expect(treeCpuMillisecondsOf(pid)).toBeGreaterThanOrEqual(50)
  }, 90_000)
})
