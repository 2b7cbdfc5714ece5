// Failed-authentication throttling (RFC 6120 §6.4.5 lets a server limit retries): after
// `maxFailures` failures for one (address, username) pair within `windowMs`, further attempts
// for that pair get `temporary-auth-failure` until the window has passed.
import { setBounded } from "../core/boundedMap.js"

/** Remembers recent failures; time comes from the caller. */
export interface AuthThrottle {
  /** True when attempts for this key are currently refused. */
  isBlocked(key: string, now: number): boolean
  recordFailure(key: string, now: number): void
  recordSuccess(key: string): void
}

/** A throttle with a fixed window. */
export const makeAuthThrottle = (maxFailures = 5, windowMs = 60_000): AuthThrottle => {
  const failures = new Map<string, Array<number>>()
  const recent = (key: string, now: number): Array<number> => {
    const times = (failures.get(key) ?? []).filter((time) => now - time < windowMs)
    if (times.length === 0) failures.delete(key)
    else failures.set(key, times)
    return times
  }
  return {
    isBlocked: (key, now) => recent(key, now).length >= maxFailures,
    recordFailure(key, now) {
      const times = recent(key, now)
      times.push(now)
      setBounded(failures, key, times, 100_000)
    },
    recordSuccess: (key) => void failures.delete(key),
  }
}
