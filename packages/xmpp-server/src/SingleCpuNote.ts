// A start-up note for `xmpp-amp-server start` on a machine (or CPU set) with one CPU.

/**
 * A note for a server that has one CPU and runs with V8's default garbage collector, whose
 * helper threads then compete with the main thread for that CPU: `--single-threaded-gc` gave
 * lower latency tails there (docs/performance.md). Undefined when it does not apply. Flags
 * like it must be given when Node starts; they cannot be switched on from inside the process.
 */
export const singleCpuNote = (
  cpus: number,
  execArgv: ReadonlyArray<string>,
  nodeOptions: string | undefined,
): string | undefined => {
  if (cpus !== 1) return undefined
  const flags = [...execArgv, ...(nodeOptions ?? "").split(/\s+/)]
  if (flags.some((flag) => flag.replaceAll("_", "-") === "--single-threaded-gc")) return undefined
  return "note: one CPU available; on one CPU NODE_OPTIONS=--single-threaded-gc gave lower latency tails (see docs/performance.md)"
}
