// Finds the processes a test run left behind. `npm test` gives every process it starts one
// marker in the environment (XMPP_AMP_TEST_RUN=<unique id>), which every descendant inherits,
// detached or not; at the end it looks for that marker in /proc/*/environ (Linux), lists what
// is still alive, stops it, and counts it as a failure.
import { randomUUID } from "node:crypto"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { setTimeout as sleep } from "node:timers/promises"

/** The environment variable that marks every process of one test run. */
export const runMarkerName = "XMPP_AMP_TEST_RUN"

/** A fresh marker value for one run. */
export const newRunMarker = () => randomUUID()

/** Whether this system lets us read other processes' environments (Linux /proc). */
export const canFindLeftovers = () => existsSync("/proc/self/environ")

/**
 * The live processes (pid and command line) whose environment carries the marker, except the
 * ones in `exclude` (this process by default). A test that must find its own children can mark
 * them with a variable of its own (`name`), leaving the run's marker in place.
 */
export const processesWithMarker = (marker, exclude = [process.pid], name = runMarkerName) => {
  const entry = `${name}=${marker}`
  const found = []
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue
    const pid = Number(name)
    if (exclude.includes(pid)) continue
    try {
      const environment = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")
      if (!environment.includes(entry)) continue
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim()
      found.push({ pid, commandLine })
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found
}

/**
 * Waits up to `graceMs` for the marked processes to end by themselves, then kills (SIGKILL) the
 * ones still alive and answers them: what the run left behind.
 */
export const stopLeftovers = async (
  marker,
  { graceMs = 3000, exclude = [process.pid], name = runMarkerName } = {},
) => {
  const deadline = Date.now() + graceMs
  let alive = processesWithMarker(marker, exclude, name)
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(100)
    alive = processesWithMarker(marker, exclude, name)
  }
  for (const { pid } of alive) {
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // already gone
    }
  }
  return alive
}
