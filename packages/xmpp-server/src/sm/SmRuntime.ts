// Server-wide stream-level state of the built-in modules that act below the stanza layer: the
// settings the `stream_management`, `csi` and `register` (XEP-0077, before login) modules
// installed (undefined while a module is off), the XEP-0198 resumable sessions by resumption
// id, and the write tracker of the stanza being handled (crash safety: acks wait for it).
import type { RegisterSettings } from "../register/RegisterSettings.js"
import type { RegistrationLimiter } from "../register/RegistrationLimiter.js"
import type { HandoffTracker } from "./Handoff.js"
import type { ResumableSession } from "./ResumableSession.js"
import type { PendingStore } from "./SmPending.js"
import type { SmSettings } from "./SmSettings.js"

/** Shared stream-management state of one server. */
export interface SmRuntime {
  /** Set by the `stream_management` module at setup; undefined when it is disabled. */
  settings: SmSettings | undefined
  /** The durable copy of messages queued for hibernated sessions (set with `settings`). */
  pending: PendingStore | undefined
  /** True when the `csi` module is enabled. */
  csi: boolean
  /** Sessions that asked for resumption, by resumption id (connected or hibernated). */
  readonly resumable: Map<string, ResumableSession>
  /**
   * The write tracker of the stream-managed session whose stanza is being handled right now
   * (set around its dispatch): the socket writes it causes are what its `<a/>` waits for.
   */
  current: HandoffTracker | undefined
  /** Set by the `register` module when in-band registration is enabled. */
  register:
    | { readonly settings: RegisterSettings; readonly limiter: RegistrationLimiter }
    | undefined
}

/** A fresh runtime with both modules off until their setup runs. */
export const makeSmRuntime = (): SmRuntime => ({
  settings: undefined,
  pending: undefined,
  csi: false,
  resumable: new Map(),
  current: undefined,
  register: undefined,
})
