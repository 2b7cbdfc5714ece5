// A tiny typed event emitter that runs in Node and browsers (no `node:events`), used by the
// tracker and the plugin. Listener errors never break delivery to the other listeners.

/** A listener that can be removed by calling the function returned by `on`. */
export type Unsubscribe = () => void

/** Typed events: `Events` maps each event name to its payload. */
export class Emitter<Events extends Record<string, unknown>> {
  readonly #listeners = new Map<keyof Events, Set<(payload: never) => void>>()

  /** Adds a listener; returns a function that removes it. */
  on<Name extends keyof Events>(
    name: Name,
    listener: (payload: Events[Name]) => void,
  ): Unsubscribe {
    const set = this.#listeners.get(name) ?? new Set()
    set.add(listener as (payload: never) => void)
    this.#listeners.set(name, set)
    return () => {
      set.delete(listener as (payload: never) => void)
    }
  }

  /** Calls every listener of `name`; a throwing listener is reported with `reportError`. */
  emit<Name extends keyof Events>(name: Name, payload: Events[Name]): void {
    for (const listener of [...(this.#listeners.get(name) ?? [])]) {
      try {
        ;(listener as (value: Events[Name]) => void)(payload)
      } catch (error) {
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear()
  }
}
