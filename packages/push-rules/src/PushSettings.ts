// The settings of the push business rules (XEP-0357 §7.1 and the project's push spec): summary
// contents, device limits, error tolerance, coalescing and the memory bounds, with their defaults.

/** Every knob of the push rules; see README.md for what each one changes. */
export interface PushSettings {
  /** Put `message-count` (unread messages since the last active session) in summaries. */
  readonly includeMessageCount: boolean
  /** Put `last-message-sender` (bare JID) in summaries; it leaks to the push provider. */
  readonly includeLastMessageSender: boolean
  /** Put the real `last-message-body` in summaries; it leaks to the push provider. */
  readonly includeLastMessageBody: boolean
  /** Placeholder `last-message-body` of important pushes when the real body is not sent. */
  readonly importantBody: string
  /** Registrations a user may have (`max_devices`); the least recently used is evicted. */
  readonly maxDevices: number
  /** App server errors in a row after which a registration is disabled (`max_errors`). */
  readonly maxErrors: number
  /** Coalescing window in milliseconds: one important and one unimportant push each. */
  readonly coalescingWindowMs: number
  /** Hibernation timeout to ask for while a hibernated session has push (0: never extend). */
  readonly hibernationTimeoutWithPushMs: number
  /** Unanswered pushes a single registration may have in flight. */
  readonly maxInFlightPerRegistration: number
  /** Unanswered pushes all registrations together may have in flight. */
  readonly maxInFlightTotal: number
  /** After this many milliseconds an unanswered push is forgotten, like a timeout. */
  readonly pushTimeoutMs: number
  /** Stanza ids remembered per registration and per user to never push or count one twice. */
  readonly rememberedStanzas: number
  /** While a session's CSI state is inactive, unimportant stanzas count as held back. */
  readonly inactiveClientHoldsUnimportant: boolean
}

/** The defaults: the consensus of Prosody, ejabberd and MongooseIM, privacy first. */
export const defaultPushSettings: PushSettings = {
  includeMessageCount: true,
  includeLastMessageSender: false,
  includeLastMessageBody: false,
  importantBody: "New Message!",
  maxDevices: 5,
  maxErrors: 16,
  coalescingWindowMs: 1_000,
  hibernationTimeoutWithPushMs: 72 * 60 * 60 * 1_000,
  maxInFlightPerRegistration: 4,
  maxInFlightTotal: 10_000,
  pushTimeoutMs: 60_000,
  rememberedStanzas: 64,
  inactiveClientHoldsUnimportant: true,
}

const positiveIntegers = [
  "maxDevices",
  "maxErrors",
  "maxInFlightPerRegistration",
  "maxInFlightTotal",
  "rememberedStanzas",
  "pushTimeoutMs",
] as const

const nonNegativeNumbers = ["coalescingWindowMs", "hibernationTimeoutWithPushMs"] as const

/** The defaults overridden by `overrides`; throws a RangeError on a limit that makes no sense. */
export const resolvePushSettings = (overrides: Partial<PushSettings> = {}): PushSettings => {
  const settings = { ...defaultPushSettings, ...overrides }
  for (const name of positiveIntegers) {
    if (!Number.isInteger(settings[name]) || settings[name] < 1) {
      throw new RangeError(`push setting ${name} must be a positive integer, got ${settings[name]}`)
    }
  }
  for (const name of nonNegativeNumbers) {
    if (!Number.isFinite(settings[name]) || settings[name] < 0) {
      throw new RangeError(
        `push setting ${name} must be a finite number ≥ 0, got ${settings[name]}`,
      )
    }
  }
  return settings
}
