// The `mam` module (XEP-0313 urn:xmpp:mam:2 with XEP-0359 stanza ids): provides the archive
// routing writes both copies of a message into, answers queries with XEP-0059 paging and
// archiving preferences. `[modules.mam]` keys: `default` ("always" | "roster" | "never",
// default "always"), the archiving default of users who set no preferences;
// `max_bytes_per_user` (default 100 MiB, 0: no limit), what one user's archive may hold;
// `archive_expires_after` (default "1y", or "never"), when archived messages are deleted.

import { moduleOptions } from "../modules/moduleOptions.js"
import type { ServerModule } from "../modules/ServerModule.js"
import { NS_STANZA_ID } from "../routing/MessageArchiving.js"
import { failed } from "../storage/repositories/Outcome.js"
import { expirySweeper, sweepIntervalMs } from "./MamExpiry.js"
import { mamIqHandler } from "./MamIq.js"
import { type MamPrefs, NS_MAM } from "./MamPolicy.js"
import { openMamTable } from "./MamTable.js"

/** Default `max_bytes_per_user`: 100 MiB per archive. */
export const defaultArchiveBytes = 100 * 1024 * 1024
/** Default `archive_expires_after`. */
export const defaultArchiveExpiry = "1y"

/** The built-in message archive module. */
export const mamModule: ServerModule = {
  name: "mam",
  setup: async (api, table) => {
    const options = moduleOptions("mam", table, [
      "default",
      "max_bytes_per_user",
      "archive_expires_after",
    ])
    const expiresAfter = options.duration("archive_expires_after", defaultArchiveExpiry)
    // Other cluster nodes keep the preferences in memory too: they learn each one stored here.
    const archive = await openMamTable({
      prefsStored: (username, prefs) => api.cluster?.broadcast("mam-prefs", { username, prefs }),
      archive: api.repositories.archive,
      rosters: api.rosters,
      domain: api.domain,
      defaultMode: options.choice("default", "always", ["always", "roster", "never"]),
      maxBytes: options.integer("max_bytes_per_user", defaultArchiveBytes, 0),
      expiresAfter,
      faults: api.config.testing.faults,
      logger: api.logger,
    })
    if (!failed(archive))
      api.cluster?.listen("mam-prefs", (message) => {
        const shared = message as { readonly username: string; readonly prefs: MamPrefs }
        archive.learnPrefs(shared.username, shared.prefs)
      })
    if (failed(archive))
      throw new Error(`mam: the archiving preferences could not be loaded: ${archive.message}`)
    const sweeper = expirySweeper(archive, api.logger)
    if (expiresAfter !== "never") {
      api.every(sweepIntervalMs(expiresAfter), sweeper.sweep)
      sweeper.sweep()
    }
    return {
      accountFeatures: [NS_MAM, NS_STANZA_ID],
      provides: { archive },
      iqHandlers: { [NS_MAM]: mamIqHandler(archive) },
      stop: async () => {
        await sweeper.stop()
        await archive.flush()
      },
    }
  },
}
