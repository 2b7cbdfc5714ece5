// Notices that the process that started this one is gone (killed, or its shell exited without
// passing a signal on): the parent pid changes when the orphan is re-parented. Under npm the
// parent is the shell npm runs the script with, which outlives npm itself when npm is killed
// outright: then the shell's own parent is watched as well (Linux /proc). Used by `npm start`
// (scripts/start.mjs) so that nothing keeps running once whoever started it has gone.
import { readFileSync } from "node:fs"

/** The parent pid of `pid` and its command name, or undefined where /proc cannot tell. */
const processInfo = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
    return { name, parent }
  } catch {
    return undefined
  }
}

const shells = new Set(["sh", "dash", "bash", "zsh"])

/**
 * Calls `onGone` once when this process's parent goes away (or, when the parent is the shell
 * of an npm script, that shell's parent); checks every `intervalMs` without keeping the
 * process alive. Answers a function that stops watching.
 */
export const watchParent = (onGone, intervalMs = 500) => {
  const parent = process.ppid
  const shell = processInfo(parent)
  const npmShell = process.env.npm_lifecycle_event !== undefined && shells.has(shell?.name ?? "")
  const grandparent = npmShell ? shell?.parent : undefined
  const timer = setInterval(() => {
    const gone =
      process.ppid !== parent ||
      (grandparent !== undefined && processInfo(parent)?.parent !== grandparent)
    if (!gone) return
    clearInterval(timer)
    onGone()
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
