// The repositories with every answer shown to a `StorageHealth` (issue 22 item 5): each method
// answers exactly what the backend answers, and an `io` failure among it marks storage down.
// Example: `const repositories = watchRepositories(backend, health)`.
import type { Repositories } from "./repositories/StorageBackend.js"
import type { StorageHealth } from "./StorageHealth.js"

/** True for a promise (or another thenable). */
const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { readonly then?: unknown } | null | undefined)?.then === "function"

/**
 * `repository` with each answer observed: a promise's outcome when it settles, an answer given
 * at once (`RosterRepository.changedElsewhere`) at once and returned as it is, not as a
 * promise (which read as "no change" and hid other processes' roster writes). One wrapper per
 * method, made on first use: not a closure per call (the roster cache asks every AMP message).
 */
const watched = <R extends object>(repository: R, health: StorageHealth): R => {
  const wrappers = new Map<unknown, (...args: Array<unknown>) => unknown>()
  return new Proxy(repository, {
    get: (target, key, receiver) => {
      const member: unknown = Reflect.get(target, key, receiver)
      if (typeof member !== "function") return member
      let wrapper = wrappers.get(member)
      if (wrapper === undefined) {
        wrapper = (...args: Array<unknown>) => {
          const answer: unknown = Reflect.apply(member, target, args)
          return isThenable(answer)
            ? answer.then((outcome) => health.observe(outcome))
            : health.observe(answer)
        }
        wrappers.set(member, wrapper)
      }
      return wrapper
    },
  })
}

/** `repositories`, each answer observed by `health`. */
export const watchRepositories = (
  repositories: Repositories,
  health: StorageHealth,
): Repositories => ({
  accounts: watched(repositories.accounts, health),
  roster: watched(repositories.roster, health),
  offline: watched(repositories.offline, health),
  archive: watched(repositories.archive, health),
  smPending: watched(repositories.smPending, health),
  ampPending: watched(repositories.ampPending, health),
  pushRegistrations: watched(repositories.pushRegistrations, health),
})
