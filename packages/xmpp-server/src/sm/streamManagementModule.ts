// The built-in `stream_management` module (XEP-0198): validates `[modules.stream_management]`,
// switches stream management on for the connections and advertises `<sm xmlns='urn:xmpp:sm:3'/>`
// after authentication (where both `<enable/>` and `<resume/>` are allowed). It owns the
// `sm_pending` table (crash safety of hibernated sessions) and empties it of this node's rows
// at start.
import type { ServerModule } from "../modules/ServerModule.js"
import { failed } from "../storage/repositories/Outcome.js"
import { xml } from "../xml/Xml.js"
import { smNodeOf } from "./SmNode.js"
import { PendingStore } from "./SmPending.js"
import { recoverPending } from "./SmRecovery.js"
import type { SmRuntime } from "./SmRuntime.js"
import { parseSmSettings } from "./SmSettings.js"
import { NS_SM } from "./SmStream.js"

/** The module, bound to the server's stream-management state. */
export const streamManagementModule = (runtime: SmRuntime): ServerModule => ({
  name: "stream_management",
  setup: async (api, options) => {
    const settings = parseSmSettings(options)
    // Rows are numbered in a block of seq values of this process, owned by this node.
    const pending = await PendingStore.open(
      api.repositories.smPending,
      api.logger,
      smNodeOf(api.config),
    )
    if (failed(pending))
      throw new Error(`cannot read the XEP-0198 pending rows: ${pending.message}`)
    runtime.settings = settings
    runtime.pending = pending
    return {
      // After every module is set up (offline storage and its hooks), awaited before the
      // listeners open: no client logs in while left-over rows are still being moved.
      ready: async () => {
        const recovered = recoverPending(api, pending)
        pending.track(recovered)
        await recovered
      },
      streamFeatures: (stage) => (stage.authenticated ? [xml("sm", { xmlns: NS_SM })] : []),
      stop: async () => {
        await pending.stop()
        runtime.settings = undefined
      },
    }
  },
})
