// The seeded schedule both soak runs share (docs/reliability.md): a small seeded generator (a
// failing run's choices replay with its seed), polling with a bound, and the bounded message
// load — chat messages with unique ids at most `rate` per second over all users, at most 40
// unacknowledged per sender, each burst followed by `<r/>` (SoakClient.send).
import type { SoakClient } from "./SoakClient.js"

/** mulberry32: a small seeded generator. Example: `const random = seededRandom(42); random()`. */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0
  return (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Resolves after `ms`. */
export const pause = (ms: number): Promise<unknown> =>
  new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `condition` every 50 ms; false if it did not hold within `timeoutMs`. */
export const waitUntil = async (condition: () => boolean, timeoutMs: number): Promise<boolean> => {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    if (condition()) return true
    await pause(50)
  }
  return condition()
}

/** The message load of a run: `sendUpTo(n)` sends until `n` messages were sent in total. */
export interface MessageLoad {
  readonly sent: number
  sendUpTo(target: number): Promise<void>
}

/** A load over `clients` (recipients: the others, chosen by `random`) at `rate` msgs/s. */
export const messageLoad = (
  clients: ReadonlyArray<SoakClient>,
  random: () => number,
  rate: number,
): MessageLoad => {
  const pick = <T>(items: ReadonlyArray<T>): T => items[Math.floor(random() * items.length)] as T
  const names = clients.map((client) => client.name)
  let sent = 0
  const sendUpTo = async (target: number): Promise<void> => {
    const tick = 20
    for (let ticks = 0; sent < target; ticks++) {
      if (ticks > 60_000 / tick + target) throw new Error(`load stalled at ${sent}/${target}`)
      let budget = Math.max(1, Math.round((rate * tick) / 1000))
      const ready = clients.filter(
        (client) => client.state === "online" && client.unacknowledged < 40,
      )
      for (let attempt = 0; budget > 0 && sent < target && attempt < 200; attempt++) {
        if (ready.length === 0) break
        const sender = pick(ready)
        const batch = Array.from(
          { length: Math.min(budget, 1 + Math.floor(random() * 4), target - sent) },
          () => {
            sent += 1
            const recipient = pick(names.filter((name) => name !== sender.name))
            return { id: `m${sent}`, to: `${recipient}@localhost` }
          },
        )
        budget -= batch.length
        sender.send(batch)
      }
      await pause(tick)
    }
  }
  return {
    get sent() {
      return sent
    },
    sendUpTo,
  }
}
