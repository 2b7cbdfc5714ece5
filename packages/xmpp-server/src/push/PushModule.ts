// The `push` built-in module: mounts XEP-0357 push notifications (the push module of
// @xmpp-amp/server-plugin, driven by the pure rules of @xmpp-amp/push-rules) in the reference
// server. Enable/disable IQs (§5, §6), urn:xmpp:push:0 in the account's disco#info (§3), the
// session, XEP-0198, XEP-0352, offline and archive events fed to the rules, publishes (§7) routed
// to app servers, registrations kept in SQLite, hibernation stretched while a session has push,
// and in a cluster the registrations shared with the other nodes (SharedRegistrations.ts) and
// carried along by a session that resumes on another node (PushFlags.ts).
import type { Element } from "@xmpp/xml"
import {
  PUSH_NS,
  type PushHostEvent,
  type PushPluginHandle,
  startPushPlugin,
} from "@xmpp-amp/server-plugin"
import type { ModuleApi, ServerModule } from "../modules/ServerModule.js"
import { errorReply } from "../routing/StanzaError.js"
import type { Session } from "../session/Session.js"
import type { XmlElement } from "../xml/Xml.js"
import { AppServerLink } from "./AppServerLink.js"
import { notePushRequest, pushFlagsOf } from "./PushFlags.js"
import { registrationStoreOver } from "./RegistrationRepositoryStore.js"
import { sharedRegistrations } from "./SharedRegistrations.js"
import { StanzaIds } from "./StanzaIds.js"

const asElement = (stanza: XmlElement): Element => stanza as unknown as Element
const asXml = (element: Element): XmlElement => element as unknown as XmlElement

/** What the module remembers of a live session (dropped when the session ends). */
interface Tracked {
  readonly session: Session
  /** The CSI state last reported to the rules. */
  inactive: boolean
  /** The client has not answered an ack request in time (XEP-0198), until its next ack. */
  ackDelayed: boolean
  /** When the session started hibernating, epoch ms. */
  hibernatedAt: number | undefined
}

/** The resumption timeout of `[modules.stream_management]`, in ms (its default: 300 s). */
const resumeTimeoutMs = (api: ModuleApi): number => {
  const value = api.config.modules.stream_management?.resume_timeout
  return (typeof value === "number" ? value : 300) * 1000
}

const setUp = async (api: ModuleApi, table: Readonly<Record<string, unknown>>) => {
  const link = new AppServerLink(api)
  const ids = new StanzaIds(api)
  const tracked = new Map<string, Tracked>()
  const shared =
    api.cluster === undefined ? undefined : sharedRegistrations(api.cluster, api.logger)
  const push: PushPluginHandle = await startPushPlugin(
    {
      now: () => Date.now(),
      publish: (iq, timeoutMs) => link.publish(iq, timeoutMs),
      registrations: registrationStoreOver(api.repositories.pushRegistrations),
      extendHibernation: (id, timeoutMs) => {
        const session = tracked.get(id)?.session
        if (session?.rescheduleHibernationEnd(timeoutMs) === true)
          api.logger.info("push-hibernation-extended", { session: session.full, timeoutMs })
      },
      restoreHibernation: (id) => {
        const entry = tracked.get(id)
        if (entry === undefined) return
        const due = (entry.hibernatedAt ?? Date.now()) + resumeTimeoutMs(api)
        entry.session.rescheduleHibernationEnd(due - Date.now())
      },
      ...(shared === undefined ? {} : { shareRegistration: shared.share }),
    },
    table,
    {
      onLog: (line) => {
        const level = line.level === "Debug" ? "debug" : line.level === "Info" ? "info" : "warn"
        api.logger[line.level === "Error" ? "error" : level](line.message, { ...line.annotations })
      },
    },
  )

  const stopSharing = shared?.start((event) => push.report(event))

  /** Brings the rules' view of the client's CSI state up to date (there is no CSI hook: sampled). */
  const syncClientState = (entry: Tracked): void => {
    const inactive = entry.session.clientInactive
    if (inactive === entry.inactive) return
    entry.inactive = inactive
    push.report({
      type: "client-state-changed",
      session: entry.session.id,
      state: inactive ? "inactive" : "active",
    })
  }

  const report = (session: Session, event: (entry: Tracked) => PushHostEvent | undefined) => {
    const entry = tracked.get(session.id)
    if (entry === undefined) return
    syncClientState(entry)
    const built = event(entry)
    if (built !== undefined) push.report(built)
  }

  const queued = (stanza: XmlElement, heldBack?: boolean) => ({
    id: ids.of(stanza),
    stanza: asElement(stanza),
    ...(heldBack === undefined ? {} : { heldBack }),
  })

  const accountOf = (owner: string): string => `${owner}@${api.domain}`

  /**
   * A session opened here: bound (no registrations yet), or resumed here from another cluster
   * node (its registrations come along in its session flags).
   */
  const opened = (session: Session): void => {
    tracked.set(session.id, {
      session,
      inactive: false,
      ackDelayed: false,
      hibernatedAt: undefined,
    })
    push.report({ type: "session-opened", session: session.id, jid: session.full })
    for (const { service, node } of pushFlagsOf(session))
      push.report({
        type: "registration-adopted",
        session: session.id,
        user: session.bare,
        service,
        node,
      })
  }

  return {
    accountFeatures: push.accountFeatures,
    iqHandlers: {
      [PUSH_NS]: (iq, session, target) => {
        if (target.kind === "account" && target.username !== session.username)
          return (
            errorReply(iq, "forbidden", { from: `${target.username}@${api.domain}` }) ?? "unhandled"
          )
        const entry = tracked.get(session.id)
        if (entry !== undefined) syncClientState(entry)
        const reply = asXml(push.handleRequest(asElement(iq), session.id, session.full))
        notePushRequest(session, iq, reply)
        return reply
      },
    },
    stanzaReceived: (session, stanza) => (link.answered(session, stanza) ? "stop" : undefined),
    sessionOpened: (session) => opened(session),
    sessionClosed: (session) => {
      if (!tracked.delete(session.id)) return
      push.report({ type: "session-gone", session: session.id })
    },
    hibernated: (session) =>
      report(session, (entry) => {
        entry.hibernatedAt = Date.now()
        return {
          type: "session-hibernated",
          session: session.id,
          queue: session.unacked().map((stanza) => queued(stanza)),
        }
      }),
    resumed: (session) => {
      report(session, (entry) => {
        entry.hibernatedAt = undefined
        entry.ackDelayed = false
        return { type: "session-resumed", session: session.id }
      })
    },
    ackDelayed: (session, unacked) =>
      report(session, (entry) => {
        entry.ackDelayed = true
        return {
          type: "session-ack-delayed",
          session: session.id,
          queue: unacked.map((stanza) => queued(stanza)),
        }
      }),
    acked: (session) => {
      const entry = tracked.get(session.id)
      if (entry === undefined || !entry.ackDelayed || session.hibernated) return
      entry.ackDelayed = false
      report(session, () => ({ type: "session-acked", session: session.id }))
    },
    heldBack: (session, stanza, reason) =>
      report(session, () => ({
        type: "stanza-queued",
        session: session.id,
        ...queued(stanza, reason === "csi" ? true : undefined),
      })),
    stanzaWritten: (session, stanza, ok) => {
      const entry = tracked.get(session.id)
      if (entry === undefined || !entry.ackDelayed || !ok) return
      report(session, () => ({ type: "stanza-queued", session: session.id, ...queued(stanza) }))
    },
    storageOutcome: (event) => {
      if (!event.result.ok || event.direction !== "incoming") return
      const message = {
        user: accountOf(event.owner),
        id: event.messageKey ?? ids.of(event.stanza),
        stanza: asElement(event.stanza),
      }
      push.report(
        event.store === "archive"
          ? { type: "message-archived", ...message }
          : { type: "message-stored-offline", ...message },
      )
    },
    stop: async () => {
      stopSharing?.()
      link.close()
      await push.stop()
    },
  } satisfies ReturnType<ServerModule["setup"]>
}

/** The `push` module (on by default; `[modules.push] enabled = false` turns it off). */
export const pushModule: ServerModule = { name: "push", setup: setUp }
