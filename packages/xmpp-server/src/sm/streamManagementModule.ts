// The built-in `stream_management` module (XEP-0198): validates `[modules.stream_management]`,
// switches stream management on for the connections and advertises `<sm xmlns='urn:xmpp:sm:3'/>`
// after authentication (where both `<enable/>` and `<resume/>` are allowed). It owns the
// `sm_pending` table (crash safety of hibernated sessions) and empties it at start.
import type { ServerModule } from "../modules/ServerModule.js"
import { xml } from "../xml/Xml.js"
import { PendingStore } from "./SmPending.js"
import { recoverPending } from "./SmRecovery.js"
import type { SmRuntime } from "./SmRuntime.js"
import { parseSmSettings } from "./SmSettings.js"
import { NS_SM } from "./SmStream.js"

/** The module, bound to the server's stream-management state. */
export const streamManagementModule = (runtime: SmRuntime): ServerModule => ({
  name: "stream_management",
  setup: (api, options) => {
    runtime.settings = parseSmSettings(options)
    const pending = new PendingStore(api.storage, api.logger)
    runtime.pending = pending
    // After every module is set up (offline storage and its hooks), before clients connect.
    api.after(0, () => recoverPending(api, pending))
    return {
      streamFeatures: (stage) => (stage.authenticated ? [xml("sm", { xmlns: NS_SM })] : []),
      stop: () => {
        pending.stop()
        runtime.settings = undefined
      },
    }
  },
})
