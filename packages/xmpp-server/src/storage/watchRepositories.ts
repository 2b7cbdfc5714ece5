// The repositories with every answer shown to a `StorageHealth` (issue 22 item 5): each method
// answers exactly what the backend answers, and an `io` failure among it marks storage down.
// Example: `const repositories = watchRepositories(backend, health)`.
import type { Repositories } from "./repositories/StorageBackend.js"
import type { StorageHealth } from "./StorageHealth.js"

const watched = <R extends object>(repository: R, health: StorageHealth): R =>
  new Proxy(repository, {
    get: (target, key, receiver) => {
      const member: unknown = Reflect.get(target, key, receiver)
      if (typeof member !== "function") return member
      return (...args: Array<unknown>) =>
        Promise.resolve(member.apply(target, args)).then((outcome) => health.observe(outcome))
    },
  })

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
