// Helpers for the roster load tests: raw roster sets written in bulk, replies counted as they
// arrive (without rescanning everything received), and XEP-0199 pings timed one at a time.
import type { RawConnection } from "../helpers/rawSocket.js"

/** `<iq type='set'>` adding or changing `contact` with `name`, id `${prefix}${index}`. */
export const rosterSetText = (prefix: string, index: number, contact: string, name: string) =>
  `<iq type='set' id='${prefix}${index}'><query xmlns='jabber:iq:roster'><item jid='${contact}' name='${name}'/></query></iq>`

/** Counts the replies (results and errors) to ids starting with `prefix` as they arrive. */
export interface ReplyCounter {
  readonly results: () => number
  readonly errors: () => number
  /** Resolves once `count` replies arrived; rejects after `timeoutMs`. */
  readonly whenReplies: (count: number, timeoutMs: number) => Promise<void>
}

export const countReplies = (connection: RawConnection, prefix: string): ReplyCounter => {
  let results = 0
  let errors = 0
  let tail = ""
  const waiters = new Set<() => void>()
  const resultMark = `type="result" id="${prefix}`
  const errorMark = `type="error" id="${prefix}`
  const occurrences = (text: string, mark: string): number => text.split(mark).length - 1
  connection.socket.on("data", (chunk: string | Buffer) => {
    // Keep a tail so a mark split between two reads is counted once, in the later read.
    const text = tail + chunk.toString()
    const keep = Math.max(resultMark.length, errorMark.length) - 1
    const counted = text.slice(0, Math.max(0, text.length - keep))
    results += occurrences(counted, resultMark)
    errors += occurrences(counted, errorMark)
    tail = text.slice(counted.length)
    for (const waiter of [...waiters]) waiter()
  })
  const settledCount = (): number =>
    results + errors + occurrences(tail, resultMark) + occurrences(tail, errorMark)
  return {
    results: () => results + occurrences(tail, resultMark),
    errors: () => errors + occurrences(tail, errorMark),
    whenReplies: (count, timeoutMs) =>
      new Promise((resolve, reject) => {
        if (settledCount() >= count) return resolve()
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`${settledCount()} of ${count} replies after ${timeoutMs} ms`))
        }, timeoutMs)
        const check = (): void => {
          if (settledCount() < count) return
          clearTimeout(timer)
          waiters.delete(check)
          resolve()
        }
        waiters.add(check)
      }),
  }
}

/** Sends one XEP-0199 ping and resolves with its round trip in milliseconds. */
export const timedPing = async (
  connection: RawConnection,
  id: string,
  timeoutMs: number,
): Promise<number> => {
  const started = performance.now()
  connection.send(`<iq type='get' id='${id}'><ping xmlns='urn:xmpp:ping'/></iq>`)
  await connection.waitFor(`id="${id}"`, timeoutMs)
  return performance.now() - started
}

/** The middle value of `values`. */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((left, right) => left - right)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}
