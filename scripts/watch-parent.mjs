// Notices that the process that started this one is gone (killed, or its shell exited without
// passing a signal on): the parent pid changes when the orphan is re-parented. Used by
// `npm start` (scripts/start.mjs) so that nothing keeps running once its parent has gone.

/**
 * Calls `onGone` once when this process's parent goes away; checks every `intervalMs` without
 * keeping the process alive. Answers a function that stops watching.
 */
export const watchParent = (onGone, intervalMs = 500) => {
  const parent = process.ppid
  const timer = setInterval(() => {
    if (process.ppid === parent) return
    clearInterval(timer)
    onGone()
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
