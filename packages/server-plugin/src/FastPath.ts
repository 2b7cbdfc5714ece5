// The hot path of spec §4 (XEP-0079 §2.2.3) without Effect: a valid request with only `deliver`
// and `match-resource` rules, to a local recipient with a session, not archived, allowed by the
// presence check (§7), on which nothing acts before delivery (typically `deliver=direct notify`).
// Plain promises and amp-core's pure functions; every other message, and a failed write, goes
// through the Effect lifecycle, which does exactly the same steps (tests check both agree).
import type { Element } from "@xmpp/xml"
import {
  type AmpMessageState,
  type AmpRequest,
  type AmpRule,
  actionReply,
  parseRequest,
  type ReplyContext,
  readAttribute,
  resolve,
  revealsPresence,
  startMessage,
} from "@xmpp-amp/amp-core"
import type { ClientMessageResult } from "./AmpPlugin.js"
import type { AmpSettings } from "./Config.js"
import type { AmpCounterName } from "./Counters.js"
import type { AmpHost, HostAnswer, HostRouting } from "./Host.js"
import { bareJid, withoutAmp } from "./Inbound.js"
import type { Accepted } from "./Lifecycle.js"

/** What the fast path needs besides the host. */
export interface FastPathSupport {
  /** The validated `[modules.amp]`. */
  readonly settings: AmpSettings
  /** Adds one to a counter. */
  readonly count: (name: AmpCounterName) => void
  /** Finishes an accepted message whose socket write failed, through the Effect lifecycle. */
  readonly afterFailedWrite: (accepted: Accepted) => Promise<ClientMessageResult>
  /** The full plugin (the Effect lifecycle) for a message the fast path gave up on after a wait. */
  readonly full: (message: Element, sender: string) => Promise<ClientMessageResult>
}

const NOT_AMP: ClientMessageResult = { _tag: "NotAmp" }

const isExpireAt = (rule: AmpRule): boolean => rule.condition === "expire-at"

/** True when a host answered with a promise (or another thenable) rather than the answer itself. */
export const isPending = <A>(answer: HostAnswer<A>): answer is PromiseLike<A> =>
  typeof (answer as { readonly then?: unknown } | null | undefined)?.then === "function"

/**
 * The fast path's answer: the result at once when nothing had to wait, a promise of it when
 * something did (the socket write `deliver=direct` waits for), undefined when the caller must
 * run the full plugin instead (nothing was sent or counted then). A promise never gives up or
 * rejects: where the fast path gave up or threw after a wait, it already holds the full
 * plugin's answer (so the caller needs no continuation of its own: one promise, closure pair
 * and microtask fewer per message).
 */
export type FastPathAnswer = ClientMessageResult | undefined | PromiseLike<ClientMessageResult>

/** After a wait: the fast path's answer, or the full plugin's where it gave up. */
const orFull = (
  support: FastPathSupport,
  message: Element,
  sender: string,
  answer: FastPathAnswer,
): ClientMessageResult | PromiseLike<ClientMessageResult> =>
  answer === undefined ? support.full(message, sender) : answer

/** After a wait: `next`'s answer, or the full plugin's where it gave up or threw. */
const continueOrFull = <A>(
  support: FastPathSupport,
  message: Element,
  sender: string,
  next: (value: A) => FastPathAnswer,
  value: A,
): ClientMessageResult | PromiseLike<ClientMessageResult> => {
  let answer: FastPathAnswer
  try {
    answer = next(value)
  } catch {
    answer = undefined
  }
  return orFull(support, message, sender, answer)
}

/**
 * Processes the message when it is on the hot path. Plain functions, not one async function:
 * the work up to the write runs at once, and only what follows the write's confirmation waits
 * for it (one continuation per message, not an async frame and a promise per step; profiled in
 * docs/performance.md). A host answer that is a promise is waited for where it comes.
 */
export const fastPath = (
  host: AmpHost,
  support: FastPathSupport,
  message: Element,
  sender: string,
): FastPathAnswer => {
  const parsed = parseRequest(message, support.settings.support)
  if (parsed._tag === "NotAmp") return NOT_AMP
  if (parsed._tag !== "Valid") return undefined
  const { request } = parsed
  if (request.rules.some(isExpireAt)) return undefined
  const copy = withoutAmp(message)
  const routed = host.route(copy)
  return isPending(routed)
    ? routed.then(
        (routing) =>
          continueOrFull(
            support,
            message,
            sender,
            (known: HostRouting) =>
              afterRoute(host, support, message, sender, request, copy, known, false),
            routing,
          ),
        () => support.full(message, sender),
      )
    : afterRoute(host, support, message, sender, request, copy, routed, true)
}

/** The presence check (§7) once the routing is known, then the initial resolution. */
const afterRoute = (
  host: AmpHost,
  support: FastPathSupport,
  message: Element,
  sender: string,
  request: AmpRequest,
  copy: Element,
  routing: HostRouting,
  atOnce: boolean,
): FastPathAnswer => {
  if (routing.kind !== "local-user" || routing.sessions === "none" || routing.wouldArchive)
    return undefined
  if (support.settings.presenceCheck && request.rules.some(revealsPresence)) {
    if (bareJid(sender) !== routing.recipient) {
      const allowed = host.maySeePresence(bareJid(sender), routing.recipient)
      if (isPending(allowed))
        return allowed.then(
          (may) =>
            continueOrFull(
              support,
              message,
              sender,
              (yes: boolean) =>
                yes
                  ? accept(host, support, message, sender, request, copy, routing, false)
                  : undefined,
              may,
            ),
          () => support.full(message, sender),
        )
      if (!allowed) return undefined
    }
  }
  return accept(host, support, message, sender, request, copy, routing, atOnce)
}

/**
 * Resolves the initial event; when nothing acts before delivery, accepts the message and
 * writes it. `atOnce`: nothing was waited for since `route` answered, so the host may deliver
 * by that routing instead of deciding again.
 */
const accept = (
  host: AmpHost,
  support: FastPathSupport,
  message: Element,
  sender: string,
  request: AmpRequest,
  copy: Element,
  routing: HostRouting,
  atOnce: boolean,
): FastPathAnswer => {
  const initial = resolve(startMessage(request.rules, routing), "initial", host.now())
  if (
    initial.fired !== undefined ||
    initial.usedUp.length > 0 ||
    initial.discarded.length > 0 ||
    initial.ended !== undefined ||
    initial.state.stage !== "direct"
  )
    return undefined
  const reply: ReplyContext = {
    serverDomain: host.domain,
    sender,
    originalTo: readAttribute(message, "to") ?? "",
    id: request.id,
  }
  support.count("requestsAccepted")
  const accepted: Accepted = { _tag: "Accepted", request, routing, reply, copy }
  let confirmed: HostAnswer<boolean>
  try {
    confirmed = atOnce
      ? host.deliver(copy, support.settings.directConfirm, routing)
      : host.deliver(copy, support.settings.directConfirm)
  } catch {
    confirmed = false
  }
  const state = initial.state
  return isPending(confirmed)
    ? confirmed.then(
        (written) => afterWaitedWrite(host, support, message, sender, accepted, state, written),
        () => afterWaitedWrite(host, support, message, sender, accepted, state, false),
      )
    : afterWrite(host, support, message, sender, accepted, state, confirmed)
}

/** `afterWrite` once the write's confirmation was waited for: the full plugin where it threw. */
const afterWaitedWrite = (
  host: AmpHost,
  support: FastPathSupport,
  message: Element,
  sender: string,
  accepted: Accepted,
  state: AmpMessageState,
  written: boolean,
): ClientMessageResult | PromiseLike<ClientMessageResult> => {
  try {
    return orFull(
      support,
      message,
      sender,
      afterWrite(host, support, message, sender, accepted, state, written),
    )
  } catch {
    return support.full(message, sender)
  }
}

/** After the write: the `delivered` event, and the reply of a rule that fired at it. */
const afterWrite = (
  host: AmpHost,
  support: FastPathSupport,
  message: Element,
  sender: string,
  accepted: Accepted,
  state: AmpMessageState,
  written: boolean,
): FastPathAnswer => {
  if (!written)
    return support.afterFailedWrite(accepted).then(undefined, () => support.full(message, sender))
  const delivered = resolve(state, "delivered", host.now())
  const fired = delivered.fired
  const result: ClientMessageResult = { _tag: "Processed", end: "delivered", copy: accepted.copy }
  if (fired === undefined) return result
  support.count("rulesMatched")
  const answer = actionReply(accepted.reply, fired)
  if (answer === undefined) return result
  let sent: HostAnswer<void>
  try {
    sent = host.sendToUser(answer)
  } catch {
    // The host could not send the reply; the message itself was delivered.
    return result
  }
  if (!isPending(sent)) {
    support.count("notificationsSent")
    return result
  }
  return sent
    .then(
      () => {
        support.count("notificationsSent")
        return result
      },
      () => result,
    )
    .then(undefined, () => support.full(message, sender))
}
