// The `mam` module (XEP-0313 urn:xmpp:mam:2 with XEP-0359 stanza ids): provides the archive
// routing writes both copies of a message into, answers queries with XEP-0059 paging and
// archiving preferences. `[modules.mam]` keys: `default` ("always" | "roster" | "never",
// default "always"), the archiving default of users who set no preferences.

import { moduleOptions } from "../modules/moduleOptions.js"
import type { ServerModule } from "../modules/ServerModule.js"
import { NS_STANZA_ID } from "../routing/MessageArchiving.js"
import { mamIqHandler } from "./MamIq.js"
import { NS_MAM } from "./MamPolicy.js"
import { openMamTable } from "./MamTable.js"

/** The built-in message archive module. */
export const mamModule: ServerModule = {
  name: "mam",
  setup: (api, table) => {
    const options = moduleOptions("mam", table, ["default"])
    const archive = openMamTable({
      storage: api.storage,
      domain: api.domain,
      defaultMode: options.choice("default", "always", ["always", "roster", "never"]),
      faults: api.config.testing.faults,
      logger: api.logger,
    })
    return {
      accountFeatures: [NS_MAM, NS_STANZA_ID],
      provides: { archive },
      iqHandlers: { [NS_MAM]: mamIqHandler(archive) },
      stop: () => archive.flush(),
    }
  },
}
