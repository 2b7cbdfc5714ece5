// Server-wide XEP-0198 / XEP-0352 state: the settings the built-in `stream_management` and
// `csi` modules installed (undefined while a module is off), the resumable sessions by
// resumption id, and the write tracker that gates acknowledgements (crash safety).
import type { ClientConnection } from "../session/ClientConnection.js"
import { HandoffTracker } from "./Handoff.js"
import type { SmSettings } from "./SmSettings.js"

/** Shared stream-management state of one server. */
export interface SmRuntime {
  /** Set by the `stream_management` module at setup; undefined when it is disabled. */
  settings: SmSettings | undefined
  /** True when the `csi` module is enabled. */
  csi: boolean
  /** Sessions that asked for resumption, by resumption id (connected or hibernated). */
  readonly resumable: Map<string, ClientConnection>
  readonly handoff: HandoffTracker
}

/** A fresh runtime with both modules off until their setup runs. */
export const makeSmRuntime = (): SmRuntime => ({
  settings: undefined,
  csi: false,
  resumable: new Map(),
  handoff: new HandoffTracker(),
})
