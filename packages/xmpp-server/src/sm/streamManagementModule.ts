// The built-in `stream_management` module (XEP-0198): validates `[modules.stream_management]`,
// switches stream management on for the connections and advertises `<sm xmlns='urn:xmpp:sm:3'/>`
// after authentication (where both `<enable/>` and `<resume/>` are allowed).
import type { ServerModule } from "../modules/ServerModule.js"
import { xml } from "../xml/Xml.js"
import type { SmRuntime } from "./SmRuntime.js"
import { parseSmSettings } from "./SmSettings.js"
import { NS_SM } from "./SmStream.js"

/** The module, bound to the server's stream-management state. */
export const streamManagementModule = (runtime: SmRuntime): ServerModule => ({
  name: "stream_management",
  setup: (_api, options) => {
    runtime.settings = parseSmSettings(options)
    return {
      streamFeatures: (stage) => (stage.authenticated ? [xml("sm", { xmlns: NS_SM })] : []),
      stop: () => {
        runtime.settings = undefined
      },
    }
  },
})
