// RFC 6121 §4.5 when a cluster node dies: its sessions cannot say goodbye, so every surviving
// node tells its own sessions. For each session of the dead node that was available, the
// contacts allowed to see its presence who have available sessions on this node get
// `<presence type='unavailable'/>` from it, once each (each survivor only writes to sessions it
// holds, so nobody gets two).
import type { ServerCore } from "../core/ServerCore.js"
import { presenceToAccount } from "../presence/SessionPresence.js"
import { receivesPresence } from "../presence/Subscription.js"
import { withRoster } from "../roster/WithRoster.js"
import { NS_CLIENT } from "../stream/Namespaces.js"
import { xml } from "../xml/Xml.js"
import type { RemoteSession } from "./RemoteSession.js"

/** Writes the unavailable presence of `gone` sessions to this node's interested sessions. */
export const announceDeadSessions = (
  core: ServerCore,
  gone: ReadonlyArray<RemoteSession>,
): void => {
  for (const session of gone) {
    if (!session.available) continue
    const presence = xml("presence", { xmlns: NS_CLIENT, from: session.full, type: "unavailable" })
    const toLocal = (bare: string): void => presenceToAccount(core, bare, presence, "this node")
    withRoster(
      core,
      session.username,
      () => {
        for (const item of core.rosters.list(session.username))
          if (receivesPresence(item) && item.jid !== session.bare) toLocal(item.jid)
        toLocal(session.bare)
      },
      (error) => core.logger.warn("cluster-unavailable-not-sent", { session: session.full, error }),
    )
  }
}
