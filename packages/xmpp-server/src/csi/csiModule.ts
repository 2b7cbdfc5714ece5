// The built-in `csi` module (XEP-0352): advertises `<csi xmlns='urn:xmpp:csi:0'/>` after
// authentication and lets sessions hold back unimportant stanzas while inactive (the
// holding itself is in ClientConnection, the rules in CsiState.ts).
import type { ServerModule } from "../modules/ServerModule.js"
import type { SmRuntime } from "../sm/SmRuntime.js"
import { xml } from "../xml/Xml.js"
import { NS_CSI } from "./CsiState.js"

/** The module, bound to the server's stream state. */
export const csiModule = (runtime: SmRuntime): ServerModule => ({
  name: "csi",
  setup: (_api, options) => {
    for (const key of Object.keys(options))
      if (key !== "enabled") throw new Error(`modules.csi.${key}: unknown key`)
    runtime.csi = true
    return {
      streamFeatures: (stage) => (stage.authenticated ? [xml("csi", { xmlns: NS_CSI })] : []),
    }
  },
})
