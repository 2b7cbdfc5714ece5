// Reads a V8 CPU profile (`node --cpu-prof`, the Chrome DevTools `.cpuprofile` JSON: nodes
// with call frames, samples and time deltas) and sums self time per function, so the
// benchmark can print where our server spends its time under load.
import { relative } from "node:path"

interface ProfileNode {
  readonly id: number
  readonly callFrame: {
    readonly functionName: string
    readonly url: string
  }
}

/** The parts of a `.cpuprofile` this module reads. */
export interface CpuProfile {
  /** Microseconds on the system's monotonic clock. */
  readonly startTime: number
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

/** One function's self time. */
export interface SelfTime {
  /** `file:function` (file relative to `root` when inside it; `(program)`, `(gc)` as V8 names them). */
  readonly location: string
  readonly milliseconds: number
  readonly percent: number
}

const locationOf = (node: ProfileNode, root: string): string => {
  // Line numbers are left out: tsx compiles our sources, so V8's lines are not the file's.
  const { functionName, url } = node.callFrame
  const name = functionName === "" ? "(anonymous)" : functionName
  if (url === "") return name
  const path = url.startsWith("file://") ? decodeURIComponent(url.slice("file://".length)) : url
  const shown = path.startsWith(root) ? relative(root, path) : path
  return `${shown}:${name}`
}

/** Where the time inside a window went: busy time per function, and the idle time. */
export interface ProfileSummary {
  readonly busyMilliseconds: number
  readonly idleMilliseconds: number
  readonly top: ReadonlyArray<SelfTime>
}

/**
 * Self time per function within `[from, to]` (µs, monotonic clock), largest first, `limit`
 * of them, in % of the busy (non-idle) time; `root` shortens file paths.
 */
export const summariseProfile = (
  profile: CpuProfile,
  window: readonly [number, number],
  root: string,
  limit: number,
): ProfileSummary => {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const totals = new Map<string, number>()
  let busy = 0
  let idle = 0
  let time = profile.startTime
  profile.samples.forEach((id, index) => {
    time += profile.timeDeltas[index] ?? 0
    const micros = profile.timeDeltas[index + 1] ?? 0
    const node = nodes.get(id)
    if (node === undefined || time < window[0] || time > window[1] || micros <= 0) return
    const location = locationOf(node, root)
    if (location === "(idle)") {
      idle += micros
      return
    }
    totals.set(location, (totals.get(location) ?? 0) + micros)
    busy += micros
  })
  const top = [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([location, micros]) => ({
      location,
      milliseconds: micros / 1000,
      percent: busy === 0 ? 0 : (100 * micros) / busy,
    }))
  return { busyMilliseconds: busy / 1000, idleMilliseconds: idle / 1000, top }
}
