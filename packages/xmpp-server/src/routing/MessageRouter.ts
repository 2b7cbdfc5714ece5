// RFC 6121 §8.5 message routing: decide, let modules see (and possibly take over) the
// decision, then carry it out: archive the copies (XEP-0313, with the XEP-0359 stanza-id on
// the recipient's copy), deliver to the chosen sessions (serialised once), or store offline
// (XEP-0160), or bounce to the sender. A message to an offline account whose archive
// preference needs its roster waits (in order) for that roster to be read once.
import { randomBytes } from "node:crypto"
import type { ServerCore } from "../core/ServerCore.js"
import { type Jid, parseJid } from "../jid/Jid.js"
import type { MessageRoutedEvent } from "../modules/ServerModule.js"
import { RosterNotLoaded, readCached } from "../roster/Rosters.js"
import { withRoster } from "../roster/WithRoster.js"
import type { Session } from "../session/Session.js"
import { serialize, type XmlElement } from "../xml/Xml.js"
import { decideMessage } from "./Decide.js"
import { archiveCopies, senderBare } from "./MessageArchiving.js"
import type { RouteDecision } from "./RouteDecision.js"
import { deliverFromServer } from "./ServerDelivery.js"
import { errorReply } from "./StanzaError.js"

const keyPrefix = randomBytes(6).toString("base64url")
let keyCounter = 0
const keys = new WeakMap<XmlElement, string>()

/** The routing key given to `stanza`, if it went through routing in this process. */
export const messageKeyOf = (stanza: XmlElement): string | undefined => keys.get(stanza)

const bounce = (
  core: ServerCore,
  stanza: XmlElement,
  condition: string,
  options: { readonly text?: string; readonly type?: "wait" } = {},
): void => {
  const reply = errorReply(stanza, condition, options)
  if (reply !== undefined) deliverFromServer(core, reply)
}

/** True when the decision leaves the message to a local account that has no session for it. */
const waitsForAccount = (decision: RouteDecision): boolean =>
  decision.kind === "none" && decision.reason === "no-available-session"

/**
 * Builds the event modules see: the decision plus what storage would do with the message.
 * `remember` keeps the key findable from the stanza (`messageKeyOf`) for the stores and hooks
 * that handle it later; a message already carried out has none left.
 */
export const routedEvent = (
  core: ServerCore,
  from: Session | undefined,
  stanza: XmlElement,
  to: Jid,
  decision: RouteDecision,
  remember = true,
): MessageRoutedEvent => {
  keyCounter += 1
  const key = `${keyPrefix}-${keyCounter}`
  if (remember) keys.set(stanza, key)
  const local = decision.kind === "sessions" || waitsForAccount(decision)
  const { offline, archive } = core.modules.stores
  const type = stanza.attrs.type
  const wouldStoreOffline =
    local && offline !== undefined && type !== "error" && offline.accepts(stanza)
  const peer = senderBare(core, stanza.attrs.from)
  const wouldArchive =
    local &&
    archive !== undefined &&
    to.local !== undefined &&
    archive.accepts(to.local, peer, stanza)
  return { from, stanza, to, decision, key, wouldStoreOffline, wouldArchive }
}

/**
 * Stores a message for an account with no available resource; bounces it when that fails.
 * Crash safety: the sender's XEP-0198 `<a/>` waits for the durable outcome (and the bounce).
 */
const storeOffline = (core: ServerCore, event: MessageRoutedEvent, username: string): void => {
  const offline = core.modules.stores.offline
  if (offline === undefined) return
  const tracker = core.sm.current
  const handedOn = tracker?.begin()
  void offline.store(username, event.stanza, { messageKey: event.key }).then((result) => {
    if (!result.ok) {
      // The bounce's write counts for the sender's `<a/>` too, as when the store answered at once.
      const outer = core.sm.current
      core.sm.current = tracker
      try {
        bounce(
          core,
          event.stanza,
          result.reason === "quota" ? "resource-constraint" : "internal-server-error",
          { text: result.text, type: "wait" },
        )
      } catch (error) {
        core.logger.error("offline-bounce-failed", { id: event.stanza.attrs.id, error })
      } finally {
        core.sm.current = outer
      }
    }
    handedOn?.()
  })
}

/** Carries out a routed message as the server does when no module took it over. */
export const carryOut = (core: ServerCore, event: MessageRoutedEvent): void => {
  const { stanza, decision, to } = event
  const archived = archiveCopies(core, event)
  let delivered: ReadonlyArray<Session> = []
  if (decision.kind === "sessions") {
    const text = serialize(stanza)
    for (const session of decision.sessions) session.sendSerialized(stanza, text)
    delivered = decision.sessions
  } else if (waitsForAccount(decision) && event.wouldStoreOffline && to.local !== undefined) {
    storeOffline(core, event, to.local)
  } else if (!(waitsForAccount(decision) && archived)) {
    if (decision.kind === "none" && decision.bounce !== undefined)
      bounce(core, stanza, decision.bounce)
  }
  announceCarriedOut(core, event, delivered)
}

/** Runs the modules' `messageCarriedOut` hooks (carbons, XEP-0280). */
export const announceCarriedOut = (
  core: ServerCore,
  event: MessageRoutedEvent,
  delivered: ReadonlyArray<Session>,
): void => {
  for (const hook of core.modules.messageCarriedOut) {
    try {
      hook(event, delivered)
    } catch (error) {
      core.logger.error("module-hook-failed", { hook: "messageCarriedOut", error })
    }
  }
}

/**
 * A message a module took over at `stanzaReceived` (AMP) was delivered or stored: the other
 * modules learn it as if the server had carried it out, with the sessions it went to now.
 */
export const announceTakenOver = (core: ServerCore, from: Session, stanza: XmlElement): void => {
  if (core.modules.messageCarriedOut.length === 0) return
  const to = parseJid(stanza.attrs.to ?? "")
  if (to === undefined) return
  const decision = decideMessage(core, to, stanza.attrs.type)
  // Delivered or stored already: no store will ask for its key (a WeakMap entry per AMP
  // message spared, which was most of what this path left for the old generation).
  const event = readCached(() => routedEvent(core, from, stanza, to, decision, false))
  if (event instanceof RosterNotLoaded)
    return void withRoster(
      core,
      event.username,
      () => announceTakenOver(core, from, stanza),
      () => undefined,
    )
  announceCarriedOut(core, event, decision.kind === "sessions" ? decision.sessions : [])
}

/**
 * Routes `stanza` once `username`'s roster is in memory (the archive's "roster" preference of
 * an offline recipient reads it): behind the earlier messages waiting for it, in order.
 */
const routeAfterRosterLoad = (
  core: ServerCore,
  username: string,
  from: Session | undefined,
  stanza: XmlElement,
  to: Jid,
): void =>
  withRoster(
    core,
    username,
    () => routeMessage(core, from, stanza, to),
    () =>
      bounce(core, stanza, "internal-server-error", {
        text: "the recipient's roster could not be read; try again later",
        type: "wait",
      }),
  )

/** Routes a message from a session (`from` set) or from the server/module (`from` undefined). */
export const routeMessage = (
  core: ServerCore,
  from: Session | undefined,
  stanza: XmlElement,
  to: Jid,
): void => {
  const owner = to.local
  if (owner !== undefined && to.domain === core.domain && core.rosters.isLoading(owner))
    return void routeAfterRosterLoad(core, owner, from, stanza, to)
  const decision = decideMessage(core, to, stanza.attrs.type)
  let event: MessageRoutedEvent
  // Inline, not `readCached`: no closure per message on the hot path.
  try {
    event = routedEvent(core, from, stanza, to, decision)
  } catch (error) {
    if (!(error instanceof RosterNotLoaded)) throw error
    return void routeAfterRosterLoad(core, error.username, from, stanza, to)
  }
  for (const hook of core.modules.messageRouted) if (hook(event) === "handled") return
  carryOut(core, event)
}

/** Routes a message whose `to` is still text (server-originated stanzas). */
export const routeMessageTo = (core: ServerCore, stanza: XmlElement): void => {
  const to = parseJid(stanza.attrs.to ?? "")
  if (to !== undefined) routeMessage(core, undefined, stanza, to)
}
