// The `carbons` module (XEP-0280 message carbons, urn:xmpp:carbons:2): a session that enabled
// carbons gets a `<received/>` copy of its account's incoming messages that went to another
// resource (or to offline storage), and a `<sent/>` copy of what its account's other
// resources send. Copies are XEP-0297 forwards from the account's bare JID.

import { hasFlag, setFlag } from "../cluster/SessionFlags.js"
import { moduleOptions } from "../modules/moduleOptions.js"
import type { ServerModule } from "../modules/ServerModule.js"
import { iqResult } from "../routing/StanzaError.js"
import type { Session } from "../session/Session.js"
import { carbonCopy, carbonEligible, NS_CARBONS } from "./Carbons.js"

/** The built-in carbons module. */
export const carbonsModule: ServerModule = {
  name: "carbons",
  setup: (api, table) => {
    moduleOptions("carbons", table, [])
    const enabled = new Set<Session>()
    const clustered = api.config.cluster.enabled
    const copyTo = (
      sessions: ReadonlyArray<Session>,
      skip: (session: Session) => boolean,
      make: (session: Session) => ReturnType<typeof carbonCopy>,
    ): void => {
      for (const session of sessions)
        if (hasFlag(session, "carbons") && !skip(session)) {
          const copy = make(session)
          if (copy !== undefined) session.send(copy)
        }
    }
    return {
      serverFeatures: [NS_CARBONS],
      iqHandlers: {
        [NS_CARBONS]: (iq, session, target) => {
          if (target.kind === "account" && target.username !== session.username) return "unhandled"
          const request = iq.getChildElements()[0]
          if (iq.attrs.type !== "set" || request === undefined) return "unhandled"
          if (request.name === "enable") enabled.add(session)
          else if (request.name === "disable") enabled.delete(session)
          else return "unhandled"
          // Other cluster nodes see it in the session's directory entry.
          setFlag(session, "carbons", request.name === "enable")
          return iqResult(iq)
        },
      },
      sessionClosed: (session) => {
        enabled.delete(session)
      },
      messageCarriedOut: (event, delivered) => {
        if ((enabled.size === 0 && !clustered) || !carbonEligible(event.stanza)) return
        const { decision, to, from, stanza } = event
        const local = decision.kind === "sessions" || decision.reason === "no-available-session"
        if (local)
          copyTo(
            api.sessionsOf(to.bare),
            (session) => delivered.includes(session) || session === from,
            (session) => carbonCopy("received", stanza, to.bare, session.full),
          )
        if (from !== undefined)
          copyTo(
            api.sessionsOf(from.bare),
            (session) => session === from || delivered.includes(session),
            (session) => carbonCopy("sent", stanza, from.bare, session.full),
          )
      },
    }
  },
}
