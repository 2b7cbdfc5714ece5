// The demo server stops when whoever started it is gone: scripts/start.mjs closing its IPC
// channel (killed, even with SIGKILL), or any other parent going away without passing a
// signal on (the orphan is re-parented, so its parent pid changes).

/** Calls `onGone` once when the parent is gone; checks without keeping the process alive. */
export const whenParentGone = (onGone: () => void, intervalMs = 500): void => {
  let called = false
  const once = (): void => {
    if (called) return
    called = true
    clearInterval(timer)
    onGone()
  }
  if (process.connected) process.once("disconnect", once)
  const parent = process.ppid
  const timer = setInterval(() => {
    if (process.ppid !== parent) once()
  }, intervalMs)
  timer.unref()
}
