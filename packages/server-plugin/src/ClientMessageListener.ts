// How a host learns the plugin's answer to a client message without a promise per message
// (`AmpPluginHandle.processClientMessage`): a listener told once, with the result or the failure.
import type { ClientMessageResult } from "./AmpPlugin.js"
import type { HostAnswer } from "./Host.js"

/**
 * Told the outcome of one `processClientMessage`, exactly once; its functions are called as
 * methods of the listener, so a class instance with methods serves (no closure per message).
 */
export interface ClientMessageListener {
  /** The plugin's answer, as `handleClientMessage` resolves it. */
  readonly done: (result: ClientMessageResult) => void
  /** The plugin failed, as `handleClientMessage` rejects. */
  readonly crashed: (error: unknown) => void
}

/** Tells `listener` an answer, once it is there. */
export const tell = (
  listener: ClientMessageListener,
  answer: HostAnswer<ClientMessageResult>,
): void => {
  if (typeof (answer as { readonly then?: unknown }).then !== "function") {
    listener.done(answer as ClientMessageResult)
    return
  }
  ;(answer as PromiseLike<ClientMessageResult>).then(
    (result) => listener.done(result),
    (error: unknown) => listener.crashed(error),
  )
}
