// The `offline` module (XEP-0160 offline messages with XEP-0203 delay stamps): provides the
// offline store routing uses for messages to an account with no available resource, and
// delivers the stored messages on the next initial presence. `[modules.offline]` keys:
// `max_messages_per_user` (default 1000) and `max_bytes_per_user` (default 16 MiB, 0: no byte
// limit); a message that does not fit bounces `resource-constraint` (type `wait`).

import { moduleOptions } from "../modules/moduleOptions.js"
import type { ServerModule } from "../modules/ServerModule.js"
import { OfflineDelivery } from "./OfflineDelivery.js"
import { openOfflineTable } from "./OfflineTable.js"

/** Default `max_bytes_per_user`: 16 MiB, 64 stanzas of the largest default size. */
export const defaultOfflineBytes = 16 * 1024 * 1024

/** XEP-0160 §4: the disco feature of offline storage. */
export const FEATURE_OFFLINE = "msgoffline"

/** The built-in offline storage module. */
export const offlineModule: ServerModule = {
  name: "offline",
  setup: (api, table) => {
    const options = moduleOptions("offline", table, ["max_messages_per_user", "max_bytes_per_user"])
    const offline = openOfflineTable({
      repositories: api.repositories,
      domain: api.domain,
      maxMessages: options.integer("max_messages_per_user", 1000, 1),
      maxBytes: options.integer("max_bytes_per_user", defaultOfflineBytes, 0),
      faults: api.config.testing.faults,
      logger: api.logger,
    })
    const delivery = new OfflineDelivery(offline, api.offlineVerdict, api.logger)
    return {
      serverFeatures: [FEATURE_OFFLINE],
      provides: { offline },
      sessionAvailable: (session) => {
        if (session.priority < 0) return
        delivery.flush(session).catch((error: unknown) => {
          api.logger.error("offline-delivery-failed", { session: session.full, error })
        })
      },
      stanzaWritten: delivery.stanzaWritten,
      sessionClosed: delivery.sessionClosed,
      // Stores begun before the stop still commit (or fail) before the storage closes.
      stop: () => offline.settled(),
    }
  },
}
