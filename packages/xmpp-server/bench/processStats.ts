// Reads a process's memory and CPU use from Linux procfs (proc(5): /proc/PID/status VmRSS and
// VmHWM, /proc/PID/stat utime + stime, /proc/PID/io syscr + syscw) so the benchmark can report
// the server's footprint and how many system calls its messages took.
import { readdirSync, readFileSync } from "node:fs"

/** Resident memory of a process in KiB: now and the peak so far. */
export interface MemorySample {
  readonly rssKiB: number
  readonly peakRssKiB: number
}

const statusField = (status: string, name: string): number => {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)
  return match === null ? Number.NaN : Number(match[1])
}

/** VmRSS and VmHWM of `pid`; NaN where procfs is unavailable. */
export const memoryOf = (pid: number): MemorySample => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    return { rssKiB: statusField(status, "VmRSS"), peakRssKiB: statusField(status, "VmHWM") }
  } catch {
    // Not Linux, or the process is gone: memory is simply not reported.
    return { rssKiB: Number.NaN, peakRssKiB: Number.NaN }
  }
}

/** CPU time used by `pid` so far, in milliseconds (user + system; 100 ticks per second). */
export const cpuMillisecondsOf = (pid: number): number => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    // After the command name: state is field 3 (index 0 here), utime 14 and stime 15.
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    // As above: not reported.
    return Number.NaN
  }
}

/**
 * Read- and write-family system calls `pid` made so far (`syscr` + `syscw` of /proc/PID/io:
 * read, readv, write, writev, …), NaN where procfs is unavailable. Per message it shows how
 * many messages share one socket read or write, which is what a server's CPU per message
 * depends on most as its throughput changes (docs/performance.md).
 */
export const syscallsOf = (pid: number): number => {
  try {
    const io = readFileSync(`/proc/${pid}/io`, "utf8")
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, "m").exec(io)?.[1])
    return field("syscr") + field("syscw")
  } catch {
    // Not Linux, or the process is gone: not reported.
    return Number.NaN
  }
}

/**
 * CPU time used so far by `pid` and all its children, in milliseconds: a PostgreSQL postmaster
 * with its connection and background processes (proc(5) stat field 4 is the parent). Children
 * that exited count through the parent's cutime + cstime (fields 16 and 17: the children it
 * waited for, as the postmaster waits for each backend), the living ones through their own
 * utime + stime, so a backend that ends during a window does not take its CPU with it (which
 * made the figure negative). NaN where procfs is unavailable.
 */
export const treeCpuMillisecondsOf = (pid: number): number => {
  let children: ReadonlyArray<string>
  try {
    children = readdirSync("/proc").filter((name) => /^\d+$/.test(name))
  } catch {
    // Not Linux: not reported.
    return Number.NaN
  }
  let total = cpuMillisecondsOf(pid) + waitedChildrenCpuMillisecondsOf(pid)
  for (const name of children) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8")
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      if (Number(fields[1]) === pid) total += (Number(fields[11]) + Number(fields[12])) * 10
    } catch {
      // The process ended between the listing and the read: nothing to count.
    }
  }
  return total
}

/** CPU time of the children `pid` waited for (cutime + cstime), in milliseconds; NaN if unknown. */
export const waitedChildrenCpuMillisecondsOf = (pid: number): number => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[13]) + Number(fields[14])) * 10
  } catch {
    // Not Linux, or the process is gone: not reported.
    return Number.NaN
  }
}
