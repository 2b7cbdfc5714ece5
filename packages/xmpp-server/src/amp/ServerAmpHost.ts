// The AMP plugin's host interface (`AmpHost` of @xmpp-amp/server-plugin) implemented with the
// reference server's module API: routing decisions (RFC 6121 §8.5), the roster for the presence
// check (XEP-0079 §9), delivery with write or XEP-0198 ack confirmation, offline storage
// (XEP-0160) and the archive (XEP-0313) for the recipient's copy, replies to local users
// (spec §5: to the sender's session, else their other available resources, else offline).

import type { Element } from "@xmpp/xml"
import type {
  AmpHost,
  DeliveryConfirmation,
  DeliveryListener,
  HostAnswer,
  HostExtension,
  HostRouting,
} from "@xmpp-amp/server-plugin"
import { type Jid, parseJid } from "../jid/Jid.js"
import type { ModuleApi } from "../modules/ServerModule.js"
import { RosterNotLoaded, readCached } from "../roster/Rosters.js"
import { availableSessions } from "../routing/Decide.js"
import type { RouteDecision } from "../routing/RouteDecision.js"
import type { Session } from "../session/Session.js"
import { failed } from "../storage/repositories/Outcome.js"
import { lazyElement } from "../xml/LazyElement.js"
import { type XmlElement, xml } from "../xml/Xml.js"
import { pendingTableOver } from "./PendingRepositoryTable.js"
import type { WriteTracker } from "./WriteTracker.js"

const NS_STANZA_ID = "urn:xmpp:sid:0"

/** Prefix of the offline-storage `extra` text that belongs to AMP. */
export const AMP_EXTRA_PREFIX = "amp:"

/** The server's element type seen as the plugin's (@xmpp/xml, loosely typed): the same objects. */
export const asElement = (stanza: XmlElement): Element => stanza as unknown as Element
/** The plugin's element seen as the server's. */
export const asXml = (element: Element): XmlElement => element as unknown as XmlElement

/** True when the session enabled XEP-0198, so it confirms stanzas with acks. */
const ackedBySm = (session: Session): boolean => session.streamManaged

/** No session confirms with an ack (`direct_confirm = "socket"`). */
const never = (): boolean => false

/** The decision for a message whose `to` is no JID: nobody to write to. */
const NO_RECIPIENT: RouteDecision = { kind: "none", reason: "invalid-recipient", bounce: undefined }

/** What the adapter learns from the plugin at registration. */
export interface RegisteredExtension {
  current: HostExtension | undefined
}

const UNKNOWN_RECIPIENT = (recipient: string): HostRouting => ({
  kind: "unknown-user",
  recipient,
  sessions: "none",
  wouldStoreOffline: false,
  wouldArchive: false,
})

/**
 * The plugin's view of the server's routing decision for `message` to `to`. The archive's
 * "roster" preference reads the recipient's cached roster (throws `RosterNotLoaded` when it is
 * not in memory); `rosterReadable` false: it could not be read, so the archive says no.
 */
const routingOf = (
  api: ModuleApi,
  message: XmlElement,
  to: Jid,
  decision: RouteDecision,
  rosterReadable = true,
): HostRouting => {
  const local =
    decision.kind === "sessions" ||
    (decision.kind === "none" && decision.reason === "no-available-session")
  const { offline, archive } = api.stores
  return {
    kind:
      decision.kind === "sessions"
        ? "local-user"
        : decision.reason === "remote-domain"
          ? "remote-domain"
          : decision.reason === "no-available-session"
            ? "local-user"
            : "unknown-user",
    recipient: to.bare,
    sessions:
      decision.kind === "none"
        ? "none"
        : decision.match === "exact"
          ? "addressed-resource"
          : "other-resources",
    wouldStoreOffline: local && offline?.accepts(message) === true,
    // The sender's JID parsed only when an archive asks (`?.` skips the arguments otherwise).
    wouldArchive:
      local &&
      rosterReadable &&
      to.local !== undefined &&
      archive?.accepts(
        to.local,
        parseJid(message.attrs.from ?? "")?.bare ?? api.domain,
        message,
      ) === true,
  }
}

/**
 * Spec §5: writes an AMP reply to the sender's session `to` (a full JID); when that session is gone, to
 * the sender's other available resources, as RFC 6121 §8.5.3.2.1 routes a normal message to
 * an absent resource (whatever the reply's type, `error` included). False when no session took
 * it: the caller keeps it in offline storage for the next login.
 */
const deliverToSender = (
  api: ModuleApi,
  to: Jid,
  stanza: XmlElement,
  text: string | undefined,
): boolean => {
  // The usual case (the sender's session is there and takes it): one lookup, no list.
  const bound = to.resource === undefined ? undefined : api.sessionOf(to.bare, to.resource)
  const addressed = bound === undefined || bound.closed ? undefined : bound
  if (addressed !== undefined && writeTo(api, addressed, stanza, text)) return true
  const others = availableSessions(
    api.sessionsOf(to.bare).filter((session) => !session.closed && session !== addressed),
    false,
  )
  let delivered = false
  for (const session of others) if (writeTo(api, session, stanza, text)) delivered = true
  return delivered
}

/** Writes to one session; `text`: the stanza already written (a reply the plugin wrote as text). */
const writeTo = (
  api: ModuleApi,
  session: Session,
  stanza: XmlElement,
  text: string | undefined,
): boolean =>
  text === undefined ? api.deliver(session, stanza) : session.sendSerialized(stanza, text)

/** Builds the plugin's host from the module API. */
export const serverAmpHost = (
  api: ModuleApi,
  tracker: WriteTracker,
  extension: RegisteredExtension,
): AmpHost => {
  const localpart = (jid: string | undefined): string | undefined => {
    const parsed = parseJid(jid ?? "")
    return parsed?.domain === api.domain ? parsed.local : undefined
  }
  /** Stores a message offline; resolves with its key once durable, undefined when not stored. */
  const storeFor = async (
    stanza: XmlElement,
    extra: string | undefined,
  ): Promise<string | undefined> => {
    const username = localpart(stanza.attrs.to)
    const offline = api.stores.offline
    if (username === undefined || offline === undefined) return undefined
    const messageKey = api.messageKey(stanza)
    const result = await offline.store(username, stanza, {
      ...(extra === undefined ? {} : { extra: AMP_EXTRA_PREFIX + extra }),
      ...(messageKey === undefined ? {} : { messageKey }),
    })
    return result.ok ? result.key : undefined
  }
  // The last `route` answer and the decision behind it: `deliver` reuses the decision when the
  // plugin hands that answer back (same element, nothing waited for since), so an AMP message's
  // route is decided once, not twice (docs/performance.md).
  // One write function for every message (not a closure per message).
  const write = (session: Session, stanza: XmlElement): boolean => api.deliver(session, stanza)
  let lastRouting: HostRouting | undefined
  let lastDecision: RouteDecision | undefined
  // Answered at once (`HostAnswer`): no promise and no event-loop turn per message, except
  // when the recipient's roster must be read first (an offline recipient, once).
  const route = (message: Element): HostAnswer<HostRouting> => {
    const stanza = asXml(message)
    const to = parseJid(stanza.attrs.to ?? "")
    if (to === undefined) return UNKNOWN_RECIPIENT(stanza.attrs.to ?? "")
    const decision = api.decide(to, stanza.attrs.type)
    // Only the archive reads a roster here: without one, no closure for `readCached`.
    const answer =
      api.stores.archive === undefined
        ? routingOf(api, stanza, to, decision)
        : readCached(() => routingOf(api, stanza, to, decision))
    if (answer instanceof RosterNotLoaded)
      return api.rosters
        .load(answer.username)
        .then((loaded) =>
          failed(loaded) ? routingOf(api, stanza, to, decision, false) : route(message),
        )
    lastRouting = answer
    lastDecision = decision
    return answer
  }
  /** Writes by the routing decision (reused when `routed` is `route`'s last answer). */
  const deliverTo = (
    message: Element,
    confirm: DeliveryConfirmation,
    routed: HostRouting | undefined,
    listener: DeliveryListener,
  ): void => {
    const stanza = asXml(message)
    let decision: RouteDecision
    if (routed !== undefined && routed === lastRouting && lastDecision !== undefined) {
      decision = lastDecision
    } else {
      const to = parseJid(stanza.attrs.to ?? "")
      decision = to === undefined ? NO_RECIPIENT : api.decide(to, stanza.attrs.type)
    }
    lastRouting = undefined
    lastDecision = undefined
    if (decision.kind !== "sessions") {
      listener.confirmed(false)
      return
    }
    tracker.deliver(
      stanza,
      decision.sessions,
      write,
      confirm === "ack" ? ackedBySm : never,
      listener,
    )
  }
  /** XEP-0079 §9: the recipient's roster gives the sender a presence subscription. */
  const subscribed = (username: string, sender: string): boolean => {
    const item = api.rosters.get(username, sender)
    return item?.subscription === "from" || item?.subscription === "both"
  }
  return {
    domain: api.domain,
    now: () => Date.now(),
    route,
    maySeePresence: (sender, recipient) => {
      if (sender === recipient) return true
      const username = localpart(recipient)
      if (username === undefined) return false
      if (api.rosters.ready(username)) return subscribed(username, sender)
      // An offline recipient's roster: read once (then kept in memory); unreadable says no.
      return api.rosters
        .load(username)
        .then((loaded) => !failed(loaded) && subscribed(username, sender))
    },
    deliver: (message, confirm: DeliveryConfirmation, routed?: HostRouting) =>
      new Promise<boolean>((resolve) =>
        deliverTo(message, confirm, routed, { confirmed: resolve }),
      ),
    deliverTo,
    storeOffline: (message, extra) => storeFor(asXml(message), extra),
    archive: (message) => {
      const stanza = asXml(message)
      const to = parseJid(stanza.attrs.to ?? "")
      const archive = api.stores.archive
      if (to?.local === undefined || archive === undefined) return Promise.resolve(undefined)
      return new Promise((resolve) => {
        const queued = archive.archive(
          to.local ?? "",
          stanza,
          "incoming",
          api.messageKey(stanza),
          (result) => resolve(result.ok ? result.key : undefined),
        )
        if (!queued.ok) return resolve(undefined)
        stanza.append(xml("stanza-id", { xmlns: NS_STANZA_ID, by: to.bare, id: queued.key }))
      })
    },
    removeOffline: async (key) => {
      const removed = await api.stores.offline?.remove(key)
      if (failed(removed)) api.logger.error("amp-offline-remove-failed", { key, error: removed })
    },
    removeArchived: (key) => {
      api.stores.archive?.remove(key)
    },
    sendToUser: (element) => {
      const stanza = asXml(element)
      const to = parseJid(stanza.attrs.to ?? "")
      if (to === undefined) return
      if (deliverToSender(api, to, stanza, undefined)) return
      return storeFor(stanza, undefined).then((key) => {
        if (key === undefined)
          api.logger.warn("amp-reply-lost", { to: to.full, id: stanza.attrs.id })
      })
    },
    // A reply the plugin wrote as text goes to the socket as that text; the element behind it
    // (for the XEP-0198 queue and the hooks, which hold stanzas by identity) is parsed only if
    // something reads it, as offline storage does when the sender is gone (src/xml/LazyElement.ts).
    sendTextToUser: (to, text) => {
      const jid = parseJid(to)
      if (jid === undefined) return
      const stanza = lazyElement(text)
      if (deliverToSender(api, jid, stanza, text)) return
      return storeFor(stanza, undefined).then((key) => {
        if (key === undefined)
          api.logger.warn("amp-reply-lost", { to: jid.full, id: stanza.attrs.id })
      })
    },
    send: (stanza) => api.send(asXml(stanza)),
    pending: pendingTableOver(api.repositories.ampPending),
    register: (registered) => {
      extension.current = registered
    },
  }
}
