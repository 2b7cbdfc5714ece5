// Whether the storage answers (issue 22 item 5: PostgreSQL going away while the server runs).
// A backend's failures feed it — an `io` StorageError from any repository call (through
// `watchRepositories`), or a pooled connection's `error` event (PostgresOptions.onConnectionError).
// The first one marks storage down and logs it loudly once (`storage-down`); while down a
// probe (e.g. `accounts.count()`) runs every second, and the first that answers marks it back
// up, logged once (`storage-up`). Meanwhile new logins are refused (src/storage/loginRefusal.ts)
// instead of hanging. Constraint and corruption errors are answers, not unavailability.
import type { Logger } from "../log/Logger.js"
import { failed, type Outcome } from "./repositories/Outcome.js"
import { StorageError } from "./Storage.js"

/** What the stream layer asks. */
export interface StorageHealthView {
  /** True from the first unavailability until a probe answers again. */
  isDown(): boolean
}

/** The health of one backend. */
export interface StorageHealth extends StorageHealthView {
  /**
   * Looks at a repository's outcome (or a batch of them) and answers it unchanged: an `io`
   * failure marks storage down. Example: `health.observe(await accounts.get(name))`.
   */
  observe<A>(outcome: A): A
  /** A failure outside a call (a pooled connection's error event). */
  failed(error: Error): void
  /** Stops probing (at server stop). */
  stop(): void
}

/** What the health needs. */
export interface StorageHealthOptions {
  /** Asks the database something tiny; a failure keeps storage down. */
  readonly probe: () => Promise<Outcome<unknown>>
  readonly logger: Logger
  /** "sqlite" / "postgres" and where, for the log lines. */
  readonly backend: string
  readonly location?: string
  /** Between probes while down; default 1000 ms. */
  readonly probeIntervalMs?: number
  readonly now?: () => number
}

const isUnavailable = (value: unknown): value is StorageError =>
  value instanceof StorageError && value.reason === "io"

/** A health tracker, up at first. Example: `storageHealth({ probe: () => backend.accounts.count(), logger, backend: "postgres" })`. */
export const storageHealth = (options: StorageHealthOptions): StorageHealth => {
  const now = options.now ?? Date.now
  const where = {
    backend: options.backend,
    ...(options.location === undefined ? {} : { location: options.location }),
  }
  let downSince: number | undefined
  let timer: NodeJS.Timeout | undefined
  let probing = false
  let stopped = false

  const up = (): void => {
    if (downSince === undefined) return
    options.logger.warn("storage-up", { ...where, down_ms: now() - downSince })
    downSince = undefined
    clearInterval(timer)
    timer = undefined
  }
  const probe = async (): Promise<void> => {
    if (probing || stopped) return
    probing = true
    try {
      const answer = await options
        .probe()
        .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))
      if (!failed(answer as Outcome<unknown>) && !(answer instanceof Error)) up()
    } finally {
      probing = false
    }
  }
  const down = (error: Error): void => {
    if (downSince !== undefined || stopped) return
    downSince = now()
    options.logger.error("storage-down", {
      ...where,
      error: error.message,
      note: "new logins are refused until the storage answers again; probing every second",
    })
    timer = setInterval(() => void probe(), options.probeIntervalMs ?? 1000)
    timer.unref()
  }
  return {
    isDown: () => downSince !== undefined,
    observe: <A>(outcome: A): A => {
      const values: ReadonlyArray<unknown> = Array.isArray(outcome) ? outcome : [outcome]
      const unavailable = values.find(isUnavailable)
      if (unavailable !== undefined) down(unavailable)
      return outcome
    },
    failed: (error) => down(error),
    stop: () => {
      stopped = true
      clearInterval(timer)
      timer = undefined
    },
  }
}
