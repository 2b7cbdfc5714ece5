// Tagged errors of the AMP plugin: a host capability that failed, and a refused configuration.
// Each carries a `reason`; the plugin maps them to XMPP errors at the edge (spec §8).
import * as Data from "effect/Data"

/** Which host capability failed. */
export type HostFailureReason =
  | "route"
  | "presence"
  | "deliver"
  | "store-offline"
  | "archive"
  | "remove"
  | "send"
  | "pending-table"
  | "register"

/** A host capability threw or rejected. */
export class HostError extends Data.TaggedError("HostError")<{
  /** Which capability failed. */
  readonly reason: HostFailureReason
  /** What it threw. */
  readonly cause: unknown
}> {}

/** Why `[modules.amp]` was refused. */
export type AmpConfigFailureReason = "wrong-type" | "unknown-key" | "unknown-name" | "out-of-range"

/** A `[modules.amp]` setting is wrong; `key` is the dotted key, e.g. `modules.amp.max_rules`. */
export class AmpConfigError extends Data.TaggedError("AmpConfigError")<{
  /** What kind of mistake. */
  readonly reason: AmpConfigFailureReason
  /** The dotted key of the offending setting. */
  readonly key: string
  /** The explanation, in words. */
  readonly message: string
}> {}
